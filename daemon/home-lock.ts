import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AutodevError } from '../proto/index.js';
import { isProcessAlive } from './daemon-file.js';

export const LOCK_FILE = 'daemon.lock';

/** Another live daemon owns the home folder. */
export class HomeLockedError extends AutodevError {
  override readonly name = 'HomeLockedError';
  constructor(
    readonly home: string,
    readonly pid: number,
  ) {
    super('conflict', `another autodevd (pid ${pid}) is running on ${home}; stop it first (autodev daemon stop, or kill ${pid}), or use another --home`);
  }
}

export interface HomeLock {
  release(): Promise<void>;
}

/**
 * Takes the home folder for this process: `daemon.lock`, created with O_EXCL,
 * holds our pid. Two daemons on one home would run two nats-servers on one
 * JetStream store, or one would kill the other's. A lock whose pid is gone, or
 * is no longer an autodevd (a reused pid), is stale and is taken over.
 */
export async function lockHome(home: string, pid: number = process.pid): Promise<HomeLock> {
  const path = join(home, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, `${pid}\n`)) {
      return { release: async () => void ((await readHolder(path)) === pid && (await rm(path, { force: true }))) };
    }
    // An empty lock may be one that its creator is still writing: give it a moment before calling it stale.
    const holder = (await readHolder(path)) ?? (await sleep(100).then(() => readHolder(path)));
    if (holder !== null && (await isLiveDaemon(holder, pid))) throw new HomeLockedError(home, holder);
    await breakStaleLock(path, holder);
  }
  throw new AutodevError('conflict', `could not take ${path}: it keeps reappearing; is another autodevd starting on ${home}? Wait for it, or stop it (autodev daemon stop)`);
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/** The pid in a lock file; null when it is missing or unreadable (a lock being written, or garbage). */
async function readHolder(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

/** Our own pid counts (a second start inside one process); otherwise the command line must name autodevd. */
export async function isLiveDaemon(pid: number, self: number): Promise<boolean> {
  if (!isProcessAlive(pid)) return false;
  if (pid === self) return true;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => null);
  // Without /proc (not Linux) a live pid is trusted: refusing is safer than sharing a store.
  return cmdline === null || cmdline.includes('autodevd');
}

/**
 * Removes a stale lock, guarded by a second O_EXCL file so that two daemons
 * breaking the same stale lock at once cannot remove each other's fresh one.
 */
async function breakStaleLock(path: string, stalePid: number | null): Promise<void> {
  const guard = `${path}.break`;
  if (!(await createExclusive(guard, `${process.pid}\n`))) {
    const breaker = await readHolder(guard);
    // A breaker that died mid-way leaves its guard behind; it is stale the same way.
    if (breaker === null || !isProcessAlive(breaker)) await rm(guard, { force: true });
    await sleep(50);
    return;
  }
  try {
    if ((await readHolder(path)) === stalePid) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
