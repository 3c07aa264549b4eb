import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive, readDaemonFile } from './daemon-file.js';
import { connectToDaemon, type Connection } from './client.js';
import { CliError } from './errors.js';

/** The package root, found from this file whether it runs from source or from dist/. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'bin', 'autodevd.js'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the autodev package root');
    dir = parent;
  }
  return dir;
}

async function healthy(connection: Connection): Promise<boolean> {
  try {
    const res = await connection.api.health.$get();
    return res.ok;
  } catch {
    return false;
  }
}

export interface StartOptions {
  home: string;
  model?: string;
  timeoutMs?: number;
  onWaiting?: () => void;
}

/** Returns a connection to the home's daemon, starting one in the background if none answers. */
export async function ensureDaemon(options: StartOptions): Promise<{ connection: Connection; started: boolean }> {
  const existing = await connectToDaemon(options.home);
  if (existing && (await healthy(existing))) return { connection: existing, started: false };
  options.onWaiting?.();
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  const logFile = join(options.home, 'daemon.log');
  const log = openSync(logFile, 'a');
  const args = [join(packageRoot(), 'bin', 'autodevd.js'), '--home', options.home];
  if (options.model) args.push('--model', options.model);
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log], env: process.env });
  closeSync(log);
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? 1));
  child.unref();

  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (Date.now() < deadline) {
    if (exitCode !== null) {
      throw new CliError('unreachable', `the daemon exited with code ${exitCode} while starting; see ${logFile}`);
    }
    const info = await readDaemonFile(options.home);
    if (info && info.pid === child.pid) {
      const connection = await connectToDaemon(options.home);
      if (connection && (await healthy(connection))) return { connection, started: true };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError('unreachable', `the daemon did not become ready in time; see ${logFile}`);
}

/** Sends SIGTERM to the home's daemon and waits for daemon.json to go away. */
export async function stopDaemon(home: string, timeoutMs = 20_000): Promise<number | null> {
  const info = await readDaemonFile(home);
  if (!info) return null;
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch {
    return null;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(info.pid)) return info.pid;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CliError('failed', `the daemon (pid ${info.pid}) did not stop within ${timeoutMs} ms`);
}
