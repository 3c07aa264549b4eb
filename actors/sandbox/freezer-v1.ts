import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** How long one freeze may take before it is retried: see the execve case in sweepFrozen. */
const FREEZE_WAIT_MS = 100;

export interface SweepResult {
  /** A read of the group taken while it was frozen showed only the keepers. */
  verified: boolean;
  killed: number;
  reason?: string;
}

/**
 * Which processes of a group survive the sweep; called with the group's pids
 * while it is frozen, so none of them can exit or change meanwhile.
 */
export type Keepers = (pids: readonly number[]) => Promise<ReadonlySet<number>>;

/**
 * Kills everything in a cgroup-v1 freezer group but the keepers, and proves
 * it. While the group is FROZEN nothing in it runs, so nothing can fork or
 * exit between reading cgroup.procs and the kills: the read is exact and
 * every pid in it is still the process read (no reuse). v1 keeps a frozen
 * task frozen even with SIGKILL pending, so the group is thawed to let the
 * killed ones die, and frozen again to check: the sweep ends only on a
 * frozen read with no stray, or at the deadline. The group is always left
 * thawed.
 */
export async function sweepFrozen(dir: string, keep: Keepers, timeoutMs: number): Promise<SweepResult> {
  const deadline = Date.now() + timeoutMs;
  const state = join(dir, 'freezer.state');
  let killed = 0;
  try {
    for (;;) {
      await writeFile(state, 'FROZEN');
      if (!(await reaches(state, 'FROZEN', Math.min(deadline, Date.now() + FREEZE_WAIT_MS)))) {
        // A task in execve waits for its other threads to die, and frozen threads never do: thaw, let it finish, try again.
        const waiting = await notFrozen(dir);
        await writeFile(state, 'THAWED');
        if (Date.now() >= deadline) return { verified: false, killed, reason: `the group did not freeze in time, its tasks: ${waiting}` };
        await new Promise((resolve) => setTimeout(resolve, 10));
        continue;
      }
      const pids = await readProcs(dir);
      if (pids === undefined) return { verified: false, killed, reason: 'the group cannot be read' };
      const kept = await keep(pids);
      const strays = pids.filter((pid) => !kept.has(pid));
      if (strays.length === 0) return { verified: true, killed };
      for (const pid of strays) {
        try {
          process.kill(pid, 'SIGKILL');
          killed += 1;
        } catch {
          // Not expected of a frozen process; the next frozen read decides either way.
        }
      }
      await writeFile(state, 'THAWED');
      if (!(await leaves(dir, strays, deadline))) return { verified: false, killed, reason: `${strays.length} killed processes did not exit in time` };
    }
  } catch (error) {
    return { verified: false, killed, reason: `the freezer failed: ${(error as Error).message}` };
  } finally {
    await writeFile(state, 'THAWED').catch(() => undefined);
  }
}

/**
 * The freezer group a process is in, as a folder under `root`, from its
 * /proc/<pid>/cgroup; undefined when there is none or it does not list the
 * process (wrong mount layout, or the process is gone).
 */
export async function freezerDirOf(pid: number, root = '/sys/fs/cgroup'): Promise<string | undefined> {
  const text = await readFile(`/proc/${pid}/cgroup`, 'utf8').catch(() => '');
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || !controllers?.split(',').includes('freezer')) continue;
    const dir = join(root, 'freezer', path);
    return (await readProcs(dir))?.includes(pid) ? dir : undefined;
  }
  return undefined;
}

export async function readProcs(dir: string): Promise<number[] | undefined> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => undefined);
  return text?.split('\n').filter(Boolean).map(Number);
}

async function reaches(stateFile: string, wanted: string, deadline: number): Promise<boolean> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    if ((await readFile(stateFile, 'utf8')).trim() === wanted) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** SIGKILLed processes leave the group at exit, after they dropped their files and cwd. */
async function leaves(dir: string, pids: readonly number[], deadline: number): Promise<boolean> {
  for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
    const now = new Set(await readProcs(dir));
    if (!pids.some((pid) => now.has(pid))) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The group's tasks as `tid comm wchan`, for the reason a sweep gives up (a task frozen in place keeps its wchan). */
async function notFrozen(dir: string): Promise<string> {
  const tids = (await readFile(join(dir, 'tasks'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const tasks: string[] = [];
  for (const tid of tids.slice(0, 10)) {
    const comm = (await readFile(`/proc/${tid}/comm`, 'utf8').catch(() => '?')).trim();
    tasks.push(`${tid} ${comm} ${await readFile(`/proc/${tid}/wchan`, 'utf8').catch(() => '?')}`);
  }
  return `${tasks.join(', ')}${tids.length > 10 ? `, and ${tids.length - 10} more` : ''}`;
}
