import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonInfo } from '../proto/index.js';
import { DAEMON_FILE_NAME } from '../proto/home.js';
import { parseDaemonFile } from '../proto/daemon-file.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';

export const daemonFilePath = (home: string) => join(home, DAEMON_FILE_NAME);

/** The daemon that daemon.json names, or null when it is missing, unreadable or not a `DaemonInfo` (proto/daemon-file.ts). */
export async function readDaemonFile(home: string): Promise<DaemonInfo | null> {
  try {
    return parseDaemonFile(await readFile(daemonFilePath(home), 'utf8'));
  } catch {
    return null;
  }
}

/** Signal 0 checks that a process exists without touching it. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function writeDaemonFile(home: string, info: DaemonInfo): Promise<void> {
  await writeFileAtomically(daemonFilePath(home), `${JSON.stringify(DaemonInfo.parse(info), null, 2)}\n`, { mode: 0o600 });
}

/** Removes daemon.json only if it still describes this process. */
export async function removeDaemonFile(home: string, pid: number): Promise<void> {
  const info = await readDaemonFile(home);
  if (info?.pid === pid) await rm(daemonFilePath(home), { force: true });
}
