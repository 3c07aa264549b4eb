import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HealthResponse } from '../proto/index.js';
import type { CommandContext } from './command.js';
import { isProcessAlive, readDaemonFile } from './daemon-file.js';
import { logOffset, startupFailure } from './daemon-log.js';
import { connectToDaemon, jsonOrThrow, send, type Connection } from './client.js';
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

/** Whether the daemon answers /health with a success. */
export async function healthy(connection: Connection): Promise<boolean> {
  try {
    const res = await send(connection, connection.api.health, '$get');
    // Read to the end, so the connection closes now rather than when the process exits.
    await res.text();
    return res.ok;
  } catch {
    return false;
  }
}

export interface StartOptions {
  home: string;
  /** Model for a daemon this call starts; a running daemon with another model is refused, not silently kept. */
  model?: string;
  timeoutMs?: number;
  onWaiting?: () => void;
}

/**
 * Returns a connection to the home's daemon, starting one in the background
 * if none answers. Every command that needs the daemon comes through here,
 * so they share one rule: start it when none runs (only `daemon status` and
 * `daemon stop` do not).
 */
export async function ensureDaemon(options: StartOptions): Promise<{ connection: Connection; started: boolean }> {
  const existing = await connectToDaemon(options.home);
  if (existing && (await healthy(existing))) {
    if (options.model) await refuseOtherModel(existing, resolve(options.model), options.home);
    return { connection: existing, started: false };
  }
  options.onWaiting?.();
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  const logFile = join(options.home, 'daemon.log');
  // Only what this daemon writes explains its failure: the log keeps earlier runs above it.
  const offset = await logOffset(logFile);
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
      const reason = await startupFailure(logFile, offset);
      throw new CliError('unreachable', `the daemon exited with code ${exitCode} while starting${reason ? `: ${reason}` : ''} (full log: ${logFile})`);
    }
    const info = await readDaemonFile(options.home);
    if (info && info.pid === child.pid) {
      const connection = await connectToDaemon(options.home);
      if (connection && (await healthy(connection))) return { connection, started: true };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const reason = await startupFailure(logFile, offset);
  throw new CliError('unreachable', `the daemon did not become ready in time${reason ? `; the last thing it logged: ${reason}` : ''} (full log: ${logFile})`);
}

/** `--model X` only chooses the model of a daemon being started: one already running with another model would ignore it. */
async function refuseOtherModel(connection: Connection, wanted: string, home: string): Promise<void> {
  const health = await jsonOrThrow(await send(connection, connection.api.health, '$get'), HealthResponse);
  if (health.model === wanted) return;
  throw new CliError(
    'usage',
    `autodevd already runs for ${home} (pid ${health.pid}) with model ${health.model ?? '(none)'}, and --model only chooses the model of a daemon being started, so ${wanted} would be ignored. ` +
      'To use it: autodev daemon stop, then run this command again; to use the running model, leave out --model.',
  );
}

/**
 * `ensureDaemon` for a command: says on stderr when it starts the daemon
 * (never under --json, whose stdout must stay one object) and when it is up.
 */
export async function daemonFor(ctx: CommandContext, model?: string): Promise<Connection> {
  const { connection, started } = await ensureDaemon({
    home: ctx.home,
    ...(model ? { model } : {}),
    onWaiting: () => {
      if (!ctx.json) ctx.err('starting autodevd in the background…');
    },
  });
  if (started && !ctx.json) ctx.err(`autodevd is running (${connection.info.apiUrl})`);
  return connection;
}

/**
 * A read for a command, sent to the home's running daemon without asking
 * /health first: one round trip less for the commands run most (`status`).
 * Only when no daemon answers is it started (or found not to start) as
 * `daemonFor` does, and the read sent again: a request that reached no
 * daemon changed nothing, so that is safe. For reads (GET) only. A stale
 * daemon.json (a dead pid) goes straight to `daemonFor`: its port may now
 * be another program's.
 */
export async function readFromDaemon<T>(ctx: CommandContext, read: (connection: Connection) => Promise<T>): Promise<T> {
  const running = await connectToDaemon(ctx.home).catch(() => null);
  if (running && isProcessAlive(running.info.pid)) {
    try {
      return await read(running);
    } catch (error) {
      if (!(error instanceof CliError && error.code === 'unreachable')) throw error;
    }
  }
  return read(await daemonFor(ctx));
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
