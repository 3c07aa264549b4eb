// The acceptance judge. It runs in a sandbox of its own beside the app's,
// sharing only the app's network namespace, as a uid the app never has
// (actors/sandbox/judge-user.ts): copied into the judge's read-only folder
// with http-executor.js, it may import only node: builtins and types.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { executeChecks } from './http-executor.js';
import { RESULT_MARKER, type JudgePlan, type JudgeResult } from './runner-protocol.js';

const POLL_MS = 50;
/** How long PORT may stay closed while another port listens before the judge takes that one. */
const OTHER_PORT_GRACE_MS = 1500;

/**
 * Waits until the app accepts connections on PORT (or, when it ignores PORT,
 * on the one port it listens on: the network namespace is the app's alone,
 * so every listener in it is the app's), sends the checks, and prints one
 * result line. The app, its log and the command checks are the daemon's
 * business: the judge sees nothing of the app but its answers.
 */
async function main(planFile: string): Promise<JudgeResult> {
  const plan = readPlan(planFile);
  const started = Date.now();
  const deadline = started + plan.startTimeoutMs;
  let otherSince: number | null = null;
  for (;;) {
    if (await accepts(plan.port)) return judge(plan, plan.port, null, started);
    const others = listeningPorts().filter((p) => p !== plan.port);
    otherSince = others.length > 0 ? (otherSince ?? Date.now()) : null;
    const other = others.length === 1 ? others[0] : undefined;
    if (other !== undefined && otherSince !== null && Date.now() - otherSince >= OTHER_PORT_GRACE_MS && (await accepts(other))) {
      return judge(plan, other, `the app ignores PORT=${plan.port} and listens on ${other}; the checks went there`, started);
    }
    if (Date.now() > deadline) {
      const seen = others.length > 1 ? ` (it listens on ${others.join(', ')}: more than one, so none was taken for it)` : '';
      return { listening: false, problem: `the app did not listen on PORT=${plan.port} within ${plan.startTimeoutMs} ms (does it read process.env.PORT?)${seen}`, port: plan.port, portNote: null, startMs: Date.now() - started, outcomes: [] };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function judge(plan: JudgePlan, port: number, portNote: string | null, started: number): Promise<JudgeResult> {
  const startMs = Date.now() - started;
  const outcomes = await executeChecks(plan.checks, `http://127.0.0.1:${port}`, {
    requestTimeoutMs: plan.requestTimeoutMs,
    deadline: Date.now() + plan.checksTimeoutMs,
    ...(plan.auth ? { auth: plan.auth } : {}),
  });
  return { listening: true, problem: null, port, portNote, startMs, outcomes };
}

function readPlan(file: string): JudgePlan {
  const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isPlan(raw)) throw new Error(`${file} is not an acceptance plan`);
  return raw;
}

export function isPlan(value: unknown): value is JudgePlan {
  if (typeof value !== 'object' || value === null) return false;
  const v: { [key: string]: unknown } = { ...value };
  return (
    Array.isArray(v.checks) &&
    typeof v.port === 'number' &&
    typeof v.startTimeoutMs === 'number' &&
    typeof v.requestTimeoutMs === 'number' &&
    typeof v.checksTimeoutMs === 'number' &&
    (v.auth === undefined || (typeof v.auth === 'object' && v.auth !== null))
  );
}

/**
 * TCP ports in LISTEN state in this network namespace, from /proc/net/tcp
 * and tcp6 (which show the reader's network namespace, whatever its pid
 * namespace): the app's, since nothing else runs in its network.
 */
export function listeningPorts(read: (file: string) => string = (f) => readFileSync(f, 'utf8')): number[] {
  const ports = new Set<number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = read(file);
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // State 0A is TCP_LISTEN.
      if (!local || fields[3] !== '0A') continue;
      const port = Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16);
      if (Number.isInteger(port) && port > 0) ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
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

// Runs only as the entry point (node in-sandbox-runner.js plan.json), never on import.
const planFile = process.argv[2];
if (planFile && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(planFile).then(
    (result) => {
      process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`acceptance judge failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(70);
    },
  );
}
