/**
 * How long a user waits for the CLI and the daemon to answer, as medians of
 * --runs (default 10) fresh processes, beside a bare `node -e 0` for scale:
 *   - `autodev --help`, `autodevd --help`: no daemon involved;
 *   - `autodev status JOB` against a running daemon (one replay job, submitted and cancelled);
 *   - `autodevd` from spawn until `/health` answers (daemon.json written), and until
 *     `POST /jobs` answers 201 (sent as soon as /health answered).
 * It also runs each once under a loader hook (trace-packages.ts) and lists the npm
 * packages loaded by then, so a heavy import that creeps back is named, not guessed.
 * The hook sees ES imports only: the CLI's bundle is CommonJS (scripts/bundle-cli.ts), so a
 * package it require()s is not listed; the commands measured here require none (zod, hono and
 * @xstate/store are inlined).
 * Prints one JSON line per figure and a summary last. Run by hand, from dist/:
 *   node dist/scripts/bench/startup.js [--runs N] [--embedding-model DIR] [--skip-starts]
 * Targets (issue 21): `--help` within 1.5x of node -e 0, `status JOB` within 2x,
 * /health and an accepted job within 1500 ms of start.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { packageRoot } from '../../cli/daemon-process.js';
import { TRACE_PREFIX } from './trace-packages.js';
import { daemonEnv, startTimedDaemon, type TimedDaemon } from './startup-daemon.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' }, 'embedding-model': { type: 'string' }, 'skip-starts': { type: 'boolean' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs takes a whole number of at least 1, not ${values.runs}`);
const root = packageRoot();
const cli = join(root, 'bin', 'autodev.js');
const daemonBin = join(root, 'bin', 'autodevd.js');
const example = join(root, 'examples', 'todo-api');
const recording = join(example, 'recordings', 'correct', 'recording.json');
const traceHook = pathToFileURL(join(root, 'dist', 'scripts', 'bench', 'trace-packages.js')).href;
const traceFlag = `--import=data:text/javascript,import{register}from"node:module";register(${JSON.stringify(traceHook)})`;

/** The packages this project depends on by name: the ones its code imports (their own dependencies are only counted). */
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
const direct = new Set([...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.devDependencies ?? {})]);
const packagesLoaded: Record<string, { direct: string[]; all: number }> = {};
function record(name: string, packages: readonly string[]): void {
  packagesLoaded[name] = { direct: packages.filter((p) => direct.has(p)), all: packages.length };
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0);
};

/** Runs one process to its end: wall time from spawn to exit, and the packages it loaded when traced. */
function timed(args: readonly string[], env: NodeJS.ProcessEnv, trace = false): Promise<{ ms: number; code: number | null; packages: string[] }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, trace ? [traceFlag, ...args] : [...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = performance.now() - started;
      const packages = stderr.split('\n').filter((l) => l.startsWith(TRACE_PREFIX)).map((l) => l.slice(TRACE_PREFIX.length));
      resolve({ ms, code, packages });
    });
  });
}

const load = { before: loadavg().map((x) => Math.round(x * 100) / 100) };
const home = mkdtempSync(join(tmpdir(), 'autodev-bench-startup-'));
const statusHome = join(home, 'status');
const startHome = join(home, 'start');
for (const dir of [statusHome, startHome]) {
  const model = { provider: 'replay', path: recording };
  const embedding = values['embedding-model'];
  // Recorded answers, and bubblewrap rather than a Docker engine: the job is cancelled at once, and
  // what its first minutes would start (an engine, an image) is not what this bench measures.
  const config = { gpu: 'cpu', sandbox: { backend: 'bubblewrap' }, models: { master: model, worker: model, ...(embedding ? { embedding } : {}) } };
  // Private, as the daemon wants its home (it tightens a wider one, with a warning on every start).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
}
const job = { prompt: readFileSync(join(example, 'prompt.md'), 'utf8').trim(), spec: readFileSync(join(example, 'openapi.yaml'), 'utf8') };
const results: Record<string, unknown> = {};
let running: TimedDaemon | null = null;
try {
  // The daemon starts: each in a fresh process on the same home, the job cancelled and the daemon stopped after.
  const health: number[] = [];
  const accepted: number[] = [];
  // --skip-starts: only the short commands, for trying a change to the CLI quickly.
  for (let i = 0; i <= (values['skip-starts'] ? -1 : runs); i += 1) {
    // The extra first start is traced: its packages are listed, its times are not counted (the hook slows it).
    const trace = i === 0;
    running = await startTimedDaemon({ bin: daemonBin, home: startHome, job, ...(trace ? { nodeFlags: [traceFlag] } : {}) });
    const figures = running.figures;
    await running.stop();
    running = null;
    if (trace) {
      record('daemon_ready', figures.packagesAtHealth);
      record('daemon_accepted', figures.packagesAtAccept);
      continue;
    }
    health.push(figures.healthMs);
    accepted.push(figures.acceptMs);
    console.log(JSON.stringify({ run: i, daemon_health_ms: Math.round(figures.healthMs), daemon_accept_ms: Math.round(figures.acceptMs) }));
  }
  const starts = health.length > 0;
  if (starts) {
    results.daemon_health_ms = median(health);
    results.daemon_accept_ms = median(accepted);
  }

  // The short commands, interleaved so a burst of load hits them all alike; `status` asks a running daemon.
  running = await startTimedDaemon({ bin: daemonBin, home: statusHome, job });
  // Its background warm-up (models, memory) would otherwise load the machine during the first runs.
  await running.warm();
  const jobId = running.figures.jobId;
  const env = daemonEnv(statusHome);
  const commands: Record<string, string[]> = {
    node_e0: ['-e', '0'],
    cli_help: [cli, '--help'],
    daemon_help: [daemonBin, '--help'],
    cli_status: [cli, 'status', jobId],
  };
  for (const [name, args] of Object.entries(commands)) {
    record(name, (await timed(args, env, true)).packages);
  }
  const times = new Map<string, number[]>(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < runs; i += 1) {
    for (const [name, args] of Object.entries(commands)) {
      const run = await timed(args, env);
      // `status JOB` of a cancelled job exits 1 by design; anything else means the bench measured an error.
      if (run.code !== 0 && !(name === 'cli_status' && run.code === 1)) throw new Error(`${args.join(' ')} exited ${run.code}`);
      times.get(name)?.push(run.ms);
    }
  }
  for (const [name, ms] of times) {
    results[`${name}_ms`] = median(ms);
    console.log(JSON.stringify({ figure: name, median_ms: median(ms), runs: ms.map(Math.round) }));
  }
  const base = median(times.get('node_e0') ?? []);
  const ratio = (name: string) => Math.round((median(times.get(name) ?? []) / base) * 100) / 100;
  results.cli_help_ratio = ratio('cli_help');
  results.daemon_help_ratio = ratio('daemon_help');
  results.cli_status_ratio = ratio('cli_status');
  results.targets_met = {
    cli_help: ratio('cli_help') <= 1.5,
    cli_status: ratio('cli_status') <= 2,
    ...(starts ? { daemon_health: median(health) <= 1500, daemon_accept: median(accepted) <= 1500 } : {}),
  };
  results.packages = packagesLoaded;
  results.load = { ...load, after: loadavg().map((x) => Math.round(x * 100) / 100) };
  results.runs = runs;
  console.log(JSON.stringify(results));
} finally {
  await running?.stop();
  rmSync(home, { recursive: true, force: true });
}

