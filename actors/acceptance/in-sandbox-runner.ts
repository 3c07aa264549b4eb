// Runs inside the sandbox, copied into the app's folder with http-executor.js:
// it may import only node: builtins and the files copied beside it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommandChecks } from './command-executor.js';
import { executeChecks } from './http-executor.js';
import { RESULT_MARKER, type RunnerPlan, type RunnerResult } from './runner-protocol.js';

const LOG_BYTES = 16 * 1024;

/**
 * Starts the app as a child with PORT and HOST set, waits until it accepts
 * connections on loopback (the sandbox's own network namespace: network
 * "none" still has loopback), sends the checks, runs the command checks in
 * the app's folder while it still runs, stops the app, and prints one result
 * line. The app's output is kept for the report, never passed through.
 */
async function main(planFile: string): Promise<RunnerResult> {
  const plan = readPlan(planFile);
  const port = await freePort();
  const started = Date.now();
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-LOG_BYTES);
  };
  const [command, ...args] = startArgv(plan);
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', APP_URL: `http://127.0.0.1:${port}` };
  // Detached either way: the app and whatever it starts form one process group, which stop() ends.
  const child = spawn(command ?? 'npm', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: string | null = null;
  child.once('exit', (code, signal) => (exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
  child.once('error', (error) => (exit = `could not be started: ${error.message}`));
  const result = (fields: Pick<RunnerResult, 'started' | 'problem' | 'outcomes'>): RunnerResult => ({ ...fields, port, startMs: Date.now() - started, log, commandOutcomes: [] });

  const deadline = started + plan.startTimeoutMs;
  while (!(await accepts(port))) {
    if (exit) return result({ started: false, problem: `the app ${exit} before listening on PORT=${port}`, outcomes: [] });
    if (Date.now() > deadline) {
      await stop(child);
      return result({ started: false, problem: `the app did not listen on PORT=${port} within ${plan.startTimeoutMs} ms (does it read process.env.PORT?)`, outcomes: [] });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const startMs = Date.now() - started;
  const outcomes = await executeChecks(plan.checks, `http://127.0.0.1:${port}`, { requestTimeoutMs: plan.requestTimeoutMs, deadline: Date.now() + plan.checksTimeoutMs });
  const commandOutcomes = await runCommandChecks(plan.commands, {
    cwd: process.cwd(),
    env,
    timeoutMs: plan.commandTimeoutMs,
    deadline: Date.now() + plan.commands.length * plan.commandTimeoutMs,
  });
  await stop(child);
  return { started: true, problem: null, port, startMs, log, outcomes, commandOutcomes };
}

/** `--start CMD` through the shell; else the start script as node itself when the host found it plain; else `npm start`. */
function startArgv(plan: RunnerPlan): string[] {
  if (plan.start !== null) return ['sh', '-c', plan.start];
  return plan.startArgv ?? ['npm', 'start'];
}

function readPlan(file: string): RunnerPlan {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isPlan(raw)) throw new Error(`${file} is not an acceptance plan`);
  return raw;
}

export function isPlan(value: unknown): value is RunnerPlan {
  if (typeof value !== 'object' || value === null) return false;
  const v: { [key: string]: unknown } = { ...value };
  const argv = v.startArgv;
  return (
    Array.isArray(v.checks) &&
    Array.isArray(v.commands) &&
    (v.start === null || typeof v.start === 'string') &&
    (argv === undefined || argv === null || (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string' && a.length > 0))) &&
    typeof v.startTimeoutMs === 'number' &&
    typeof v.requestTimeoutMs === 'number' &&
    typeof v.checksTimeoutMs === 'number' &&
    typeof v.commandTimeoutMs === 'number'
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** The app and everything it started (npm, sh, node, or node alone) form one process group. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 2000);
  await gone;
  clearTimeout(timer);
}

// Runs only as the entry point (node runner.js plan.json), never on import.
const planFile = process.argv[2];
if (planFile && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(planFile).then(
    (result) => {
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`acceptance runner failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(70);
    },
  );
}
