/**
 * One `autodevd` process for the startup bench: spawned, timed until its API
 * answers /health and until it accepts a job, the job cancelled at once, then
 * stopped with SIGTERM as a user's `autodev daemon stop` would.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TRACE_PREFIX } from './trace-packages.js';

export interface StartupFigures {
  /** From spawn until daemon.json names this process and GET /health answers 200. */
  healthMs: number;
  /** From spawn until POST /jobs answers 201; the request is sent as soon as /health answered. */
  acceptMs: number;
  jobId: string;
  /** npm packages loaded by then; empty unless the process runs with the trace hook. */
  packagesAtHealth: string[];
  packagesAtAccept: string[];
}

export interface TimedDaemon {
  figures: StartupFigures;
  /** Resolves once /health shows nothing still loading in the background (at once for a daemon without `warmUp`). */
  warm(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface TimedDaemonOptions {
  bin: string;
  home: string;
  job: { prompt: string; spec: string };
  /** Node flags before the script, e.g. the trace hook's --import. */
  nodeFlags?: readonly string[];
  timeoutMs?: number;
}

/** The bench's own environment without AUTODEV_* settings, which would override the home's config.json. */
export function daemonEnv(home: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AUTODEV_')));
  return { ...env, AUTODEV_HOME: home };
}

interface DaemonFile {
  pid: number;
  apiUrl: string;
  tokenFile: string;
}

function readDaemonFile(home: string): DaemonFile | null {
  try {
    return JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as DaemonFile;
  } catch {
    return null;
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startTimedDaemon(options: TimedDaemonOptions): Promise<TimedDaemon> {
  const started = performance.now();
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), options.bin, '--home', options.home], { env: daemonEnv(options.home), stdio: ['ignore', 'ignore', 'pipe'] });
  const packages: string[] = [];
  let tail = '';
  child.stderr.on('data', (d: Buffer) => {
    const text = d.toString();
    for (const line of text.split('\n')) if (line.startsWith(TRACE_PREFIX)) packages.push(line.slice(TRACE_PREFIX.length));
    tail = (tail + text).slice(-4000);
  });
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exited = code ?? 1;
      resolve();
    }),
  );
  const stop = async () => {
    if (exited === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exit;
    clearTimeout(killer);
  };

  try {
    const deadline = started + (options.timeoutMs ?? 60_000);
    let info: DaemonFile | null = null;
    let token = '';
    let healthMs = 0;
    // A tight poll: the figure is the user's wait, and 5 ms is below its noise.
    while (healthMs === 0) {
      if (exited !== null) throw new Error(`autodevd exited with ${exited} while starting: ${tail}`);
      if (performance.now() > deadline) throw new Error(`autodevd did not answer /health in time: ${tail}`);
      info ??= readDaemonFile(options.home);
      if (info && info.pid !== child.pid) info = null;
      if (info) {
        token ||= readFileSync(info.tokenFile, 'utf8').trim();
        const res = await fetch(`${info.apiUrl}/health`, { headers: { authorization: `Bearer ${token}` } }).catch(() => null);
        if (res?.ok) healthMs = performance.now() - started;
        await res?.arrayBuffer();
      }
      if (healthMs === 0) await pause(5);
    }
    const packagesAtHealth = [...packages];
    const apiUrl = info?.apiUrl ?? '';
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const res = await fetch(`${apiUrl}/jobs`, { method: 'POST', headers, body: JSON.stringify(options.job) });
    const acceptMs = performance.now() - started;
    const body = (await res.json()) as { jobId?: string };
    if (res.status !== 201 || !body.jobId) throw new Error(`POST /jobs answered ${res.status}: ${JSON.stringify(body)}`);
    const packagesAtAccept = [...packages];
    // Cancelled at once: the bench measures the daemon's start, not a job's first minutes.
    await (await fetch(`${apiUrl}/jobs/${body.jobId}/cancel`, { method: 'POST', headers, body: '{}' })).arrayBuffer();
    const warm = async (timeoutMs = 60_000) => {
      const until = performance.now() + timeoutMs;
      while (performance.now() < until) {
        const health = (await (await fetch(`${apiUrl}/health`, { headers })).json()) as { warmUp?: Record<string, { state: string }> };
        if (!Object.values(health.warmUp ?? {}).some((part) => part.state === 'loading')) return;
        await pause(50);
      }
      throw new Error('the daemon was still warming up after a minute');
    };
    return { figures: { healthMs, acceptMs, jobId: body.jobId, packagesAtHealth, packagesAtAccept }, warm, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
