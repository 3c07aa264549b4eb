import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type Dockerode from 'dockerode';
import { freezerDirOf, sweepFrozen } from './freezer-v1.js';

export interface FenceOptions {
  /** The container's PID 1 as the host sees it (State.Pid); the container is inspected when absent. */
  initPid?: number;
  /** How long freezing and killing may take before the whole container is killed instead. */
  timeoutMs?: number;
  /** How long `docker kill` may take to show the container stopped. */
  stopTimeoutMs?: number;
  cgroupRoot?: string;
}

export interface FenceResult {
  /** Only the container's init and its idle `sleep infinity` are left, verified from the host: it may serve again. */
  verified: boolean;
  /** The container was killed whole and the engine says it stopped, so its pid namespace is gone. */
  stopped: boolean;
  /** Processes killed by the sweep. */
  killed: number;
  /** Why the sweep did not verify, when it did not. */
  reason?: string;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;

/**
 * Ends every process a run left in a warm container, from the host: the
 * command's own `kill -9 -1` cannot be trusted, since the command can kill
 * the shell that would send it. Through the container's freezer cgroup
 * (freezer-v1.ts) everything but the container's init and its idle sleep is
 * SIGKILLed while frozen, so nothing can fork past the sweep, and the sweep
 * repeats until a read of the group shows only those two. Where that cannot
 * be verified in time, the container is killed whole and waited for: its
 * PID 1 dies, and with it every process of its pid namespace. Either way,
 * when this resolves with `verified` or `stopped`, no process of the run is
 * alive, so the caller may unmount the workspace; with neither, it must not
 * remove anything under it.
 */
export async function fenceContainer(docker: Dockerode, containerId: string, options: FenceOptions = {}): Promise<FenceResult> {
  const stopTimeoutMs = options.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_MS;
  const giveUp = async (reason: string, killed = 0): Promise<FenceResult> => ({
    verified: false,
    stopped: await killContainer(docker, containerId, stopTimeoutMs),
    killed,
    reason,
  });
  let initPid = options.initPid;
  if (initPid === undefined) {
    const state = await docker
      .getContainer(containerId)
      .inspect()
      .then((info) => info.State)
      .catch(() => undefined);
    if (!state?.Running || !state.Pid) return giveUp('the container is not running');
    initPid = state.Pid;
  }
  const dir = await freezerDirOf(initPid, options.cgroupRoot);
  // Named after the container by both cgroup drivers: a remembered pid now reused by another process must not lead elsewhere.
  if (!dir || !basename(dir).includes(containerId)) return giveUp('the container has no freezer cgroup this process can use');
  const init = initPid;
  const sweep = await sweepFrozen(dir, (pids) => keepers(init, pids), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (sweep.verified) return { verified: true, stopped: false, killed: sweep.killed };
  return giveUp(sweep.reason ?? 'the sweep did not verify', sweep.killed);
}

/**
 * SIGKILLs the whole container and resolves true once the engine reports it
 * stopped (or gone): the engine learns of the exit when PID 1 is reaped, and
 * the kernel reaps the init of a pid namespace only after every other
 * process in it is gone. False when that was not seen within `timeoutMs`.
 */
export async function killContainer(docker: Dockerode, containerId: string, timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<boolean> {
  const container = docker.getContainer(containerId);
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    // Sent again on each round: a kill that raced the start of the container would otherwise be lost.
    await container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    const state = await container
      .inspect()
      .then((info) => info.State)
      .catch((error: { statusCode?: number }) => (error.statusCode === 404 ? null : undefined));
    if (state === null || (state && !state.Running && !state.Restarting)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 200);
  }
}

/**
 * The processes a pool container keeps between runs: its init (PID 1, tini)
 * and init's `sleep infinity`. Both run as root, and nothing a run starts
 * can be root (a run is never uid 0, with no capabilities and
 * no-new-privileges), so a child of init that is not root in every uid is a
 * survivor of a run, whatever it calls itself.
 */
async function keepers(initPid: number, pids: readonly number[]): Promise<Set<number>> {
  const keep = new Set<number>();
  for (const pid of pids) {
    if (pid === initPid) {
      keep.add(pid);
      continue;
    }
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
    const ppid = Number(/^PPid:\s+(\d+)$/m.exec(status)?.[1] ?? -1);
    const uids = /^Uid:\s+(.*)$/m.exec(status)?.[1]?.trim().split(/\s+/) ?? [];
    if (ppid !== initPid || uids.length !== 4 || uids.some((uid) => uid !== '0')) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline === 'sleep\0infinity\0') keep.add(pid);
  }
  return keep;
}
