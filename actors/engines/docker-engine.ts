import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AutodevError } from '../../proto/errors.js';
import type Dockerode from 'dockerode';

export interface DockerEngineOptions {
  /** Data root, exec root, socket, pid file and log live here. */
  dir: string;
  bin?: string;
  startTimeoutMs?: number;
}

export interface DockerEngine {
  socketPath: string;
  /** The dockerd this process started or adopted; it stops with stop(). */
  pid: number;
  /** False when an engine on this folder was already answering and was adopted. */
  started: boolean;
  stop(): Promise<void>;
}

/**
 * dockerd with everything private to one folder: data root, exec root (its
 * own containerd), pid file and a unix socket, so it never meets a system
 * engine. `--iptables=false --bridge=none`: sandboxes run with network none,
 * so the engine needs no bridge and leaves the host's firewall untouched.
 */
export function dockerdArgs(dir: string): string[] {
  return [
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${execRoot(dir)}`,
    `--pidfile=${join(dir, 'dockerd.pid')}`,
    `--host=unix://${engineSocket(dir)}`,
    '--iptables=false',
    '--ip6tables=false',
    '--ip-forward=false',
    '--bridge=none',
    '--containerd-namespace=autodev',
    '--containerd-plugins-namespace=autodev-plugins',
    '--log-level=warn',
  ];
}

export const engineSocket = (dir: string) => join(dir, 'docker.sock');

/**
 * containerd's socket lives under the exec root, and a unix socket path has
 * at most 107 bytes: a deep home folder gets a short exec root in /tmp, named
 * after the folder so a restart finds the same one.
 */
export function execRoot(dir: string): string {
  const inside = join(dir, 'exec');
  if (join(inside, 'containerd', 'containerd-debug.sock').length <= 100) return inside;
  return `/tmp/autodev-dockerd-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}`;
}

/** Debian installs dockerd in /usr/sbin, not on a normal user's PATH. */
export function resolveDockerdBin(bin = 'dockerd', path = process.env.PATH ?? ''): string | undefined {
  if (bin.includes('/')) return existsSync(bin) ? bin : undefined;
  for (const dir of [...path.split(':'), '/usr/sbin', '/usr/bin', '/usr/local/bin']) {
    if (dir && existsSync(`${dir}/${bin}`)) return `${dir}/${bin}`;
  }
  return undefined;
}

/**
 * dockerode and its HTTP stack take about 0.2 s to import (2.8 s on a loaded
 * machine): loaded when a Docker engine is first talked to, not with the daemon.
 */
export async function loadDockerode(): Promise<typeof Dockerode> {
  return (await import('dockerode')).default;
}

export async function pingSocket(socketPath: string, timeoutMs = 2000): Promise<boolean> {
  if (!existsSync(socketPath)) return false;
  const docker = new (await loadDockerode())({ socketPath, timeout: timeoutMs });
  return docker.ping().then(
    () => true,
    () => false,
  );
}

/**
 * Starts (or adopts) the daemon-owned engine. An engine already answering on
 * this folder's socket was left by a killed daemon: it is ours, so it is
 * adopted and stopped with us rather than started twice on one data root.
 */
export async function startDockerEngine(options: DockerEngineOptions): Promise<DockerEngine> {
  const { dir } = options;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const socketPath = engineSocket(dir);
  const pidFile = join(dir, 'dockerd.pid');
  const previous = await ownedPid(pidFile, dir);
  if (previous && (await pingSocket(socketPath))) {
    return { socketPath, pid: previous, started: false, stop: () => stopPid(previous, dir) };
  }
  if (previous) await stopPid(previous, dir);
  // dockerd refuses to start over a stale pid file or socket.
  await rm(pidFile, { force: true });
  await rm(socketPath, { force: true });

  const bin = resolveDockerdBin(options.bin);
  if (!bin) throw new AutodevError('sandbox_unavailable', 'dockerd is not installed: run scripts/setup.sh (it installs docker.io) or apt-get install docker.io');
  const logPath = join(dir, 'dockerd.log');
  const logFd = openSync(logPath, 'a');
  // setpriv --pdeathsig: the kernel sends dockerd SIGTERM when the daemon dies, even by SIGKILL,
  // so a crashed daemon does not leave an engine (and its mounts) running behind it.
  const setpriv = resolveDockerdBin('setpriv');
  const [file, ...args] = setpriv ? [setpriv, '--pdeathsig', 'TERM', '--', bin, ...dockerdArgs(dir)] : [bin, ...dockerdArgs(dir)];
  const child = spawn(file as string, args, { stdio: ['ignore', logFd, logFd], detached: false });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  let outcome: 'ready' | 'exited' | 'timeout' | Error = 'timeout';
  while (Date.now() < deadline) {
    // Checked before each ping: a dockerd that exits at once must fail fast, not after the deadline.
    if (spawnError) {
      outcome = spawnError;
      break;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      outcome = 'exited';
      break;
    }
    if (await pingSocket(socketPath, 1000)) {
      outcome = 'ready';
      break;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (outcome !== 'ready') {
    child.kill('SIGKILL');
    const tail = (await readFile(logPath, 'utf8').catch(() => '')).trim().split('\n').slice(-5).join('\n');
    const why = outcome instanceof Error ? outcome.message : outcome === 'exited' ? 'it exited' : 'it did not answer in time';
    throw new AutodevError('sandbox_unavailable', `could not start dockerd (${bin}) in ${dir}: ${why}. Its log ends:\n${tail}`);
  }
  const pid = child.pid ?? -1;
  return {
    socketPath,
    pid,
    started: true,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      // dockerd stops its containers and its containerd first; give it time, then insist.
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Stops an engine a killed daemon left on this folder (its pdeathsig TERM may
 * still be in progress) and says whether there was one.
 */
export async function stopLeftoverEngine(dir: string): Promise<boolean> {
  const previous = await ownedPid(join(dir, 'dockerd.pid'), dir);
  if (!previous) return false;
  await stopPid(previous, dir);
  return true;
}

/** A pid from the pid file counts only while its command line still names this folder. */
async function ownedPid(pidFile: string, dir: string): Promise<number | undefined> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.includes(join(dir, 'data')) ? pid : undefined;
}

async function stopPid(pid: number, dir: string): Promise<void> {
  const pidFile = join(dir, 'dockerd.pid');
  const alive = async () => (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).includes(join(dir, 'data'));
  if (!(await alive())) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300 && (await alive()); i++) await new Promise((r) => setTimeout(r, 50));
  if (await alive()) process.kill(pid, 'SIGKILL');
  await rm(pidFile, { force: true });
}
