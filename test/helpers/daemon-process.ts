import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDaemonFile } from '../../daemon/daemon-file.js';
import { REPO_ROOT, waitUntil } from './env.js';

export interface DaemonProcess {
  child: ChildProcess;
  pid: number;
  apiUrl: string;
  /** stdout and stderr so far (the daemon's JSON log lines). */
  output(): string;
  exited: Promise<number | null>;
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns the built `autodevd` on `home`, as a user would, and waits until daemon.json names it. */
export function spawnDaemon(home: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'autodevd.js'), '--home', home], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

export async function startDaemonProcess(home: string, env: NodeJS.ProcessEnv = {}): Promise<DaemonProcess> {
  const started = spawnDaemon(home, env);
  let exitCode: number | null | undefined;
  void started.exited.then((code) => (exitCode = code));
  await waitUntil(
    async () => {
      if (exitCode !== undefined) throw new Error(`autodevd exited with ${exitCode}: ${started.output()}`);
      return (await readDaemonFile(home))?.pid === started.child.pid;
    },
    60_000,
    'autodevd to write daemon.json',
  );
  const info = await readDaemonFile(home);
  if (!info) throw new Error('daemon.json vanished');
  const token = readFileSync(info.tokenFile, 'utf8').trim();
  return {
    ...started,
    pid: info.pid,
    apiUrl: info.apiUrl,
    api(path, init = {}) {
      const { json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(`${info.apiUrl}${path}`, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    },
    async stop() {
      if (started.child.exitCode === null && started.child.signalCode === null) started.child.kill('SIGTERM');
      return started.exited;
    },
  };
}
