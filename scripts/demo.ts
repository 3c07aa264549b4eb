import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../cli/daemon-process.js';
import { JobView } from '../proto/index.js';
import { DemoHomeError, claimDemoHome, demoEnv, refuseRunningDaemon } from './demo-home.js';

/**
 * `npm run demo`: submits the example job to a daemon with embedded defaults,
 * follows it live, and says honestly how it ended. Without AUTODEV_MODEL it
 * uses the random-weight fixture: the machinery is real, the code is
 * gibberish, and acceptance says so. `--replay` runs the same job on recorded
 * answers (examples/todo-api/recordings/buggy), which plant a bug that
 * acceptance catches and a fix task repairs. `--json` prints the final status
 * object last.
 *
 * The demo runs in a home of its own (never AUTODEV_HOME), starts its own
 * daemon there and stops only that one: a user's config.json, jobs and
 * daemon are never touched.
 */
const { values } = parseArgs({
  options: { replay: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, home: { type: 'string' } },
});
const root = packageRoot();
const example = join(root, 'examples', 'todo-api');
const replay = values.replay === true;
const home = resolve(values.home ?? join(root, replay ? '.autodev-demo-replay' : '.autodev-demo'));
const fixture = resolve(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf');
const recording = join(example, 'recordings', 'buggy', 'recording.json');
const model = process.env.AUTODEV_MODEL ? resolve(process.env.AUTODEV_MODEL) : fixture;
// Memory uses a real embedding model when one is installed; otherwise the fixture, else full-text search only.
const embedder = process.env.AUTODEV_EMBEDDING_MODEL ?? resolve(root, '..', 'shared', 'models', 'tiny-random-bert');
// With --json, the narration goes to stderr so stdout ends with one JSON object.
const narrate = (text: string) => (values.json ? process.stderr : process.stdout).write(text);
const say = (text: string) => narrate(`\n== ${text}\n`);
const fail = (message: string, code: number): never => {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
};

if (!replay && !existsSync(model)) {
  fail(`no model at ${model}. Set AUTODEV_MODEL to a GGUF file (see README, "Real models"), or run: node dist/scripts/demo.js --replay`, 2);
}
try {
  claimDemoHome(home, values.home !== undefined);
  await refuseRunningDaemon(home);
} catch (error) {
  if (error instanceof DemoHomeError) fail(error.message, error.exitCode);
  throw error;
}
const usingFixture = !replay && model === fixture;
// The demo's own home: its config is rewritten on every run, so a run never inherits another mode's settings.
const role = { provider: 'replay', path: recording };
const config = replay
  ? { gpu: 'cpu', retryBaseMs: 200, maxRetries: 1, models: { master: role, worker: role } }
  : usingFixture
    ? // Random weights never stop on their own: keep every answer small so the demo ends in seconds.
      { gpu: 'cpu', planMaxTokens: 1500, taskMaxTokens: 2000, maxRetries: 1, retryBaseMs: 200, output: { maxFiles: 3, maxLinesPerFile: 12, maxLineChars: 80, maxSummaryChars: 80 } }
    : {};
writeFileSync(join(home, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);

say(`autodev demo: home ${home} (the demo's own)`);
if (process.env.AUTODEV_HOME && resolve(process.env.AUTODEV_HOME) !== home) {
  narrate(`   AUTODEV_HOME (${process.env.AUTODEV_HOME}) is not used: the demo changes neither that home's config.json nor its daemon.\n`);
}

const env = demoEnv(process.env, home, {
  ...(replay ? {} : { AUTODEV_MODEL: model }),
  ...(existsSync(embedder) ? { AUTODEV_EMBEDDING_MODEL: embedder } : {}),
}, replay);
const bin = join(root, 'bin', 'autodev.js');
let ownPid: number | null = null;
/** Stops the daemon only while daemon.json still names the one the demo started. Synchronous, so Ctrl-C can run it at once. */
const stopOwnDaemon = (): void => {
  const pid = ownPid;
  ownPid = null;
  if (pid === null) return;
  let named: unknown = null;
  try {
    named = (JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid?: unknown }).pid;
  } catch {
    return;
  }
  if (named === pid) spawnSync(process.execPath, [bin, 'daemon', 'stop'], { stdio: ['ignore', values.json ? 2 : 'inherit', 'inherit'], env });
};
/** Ctrl-C reaches the step running in the foreground too: the demo stops its daemon and ends there, instead of going on. */
const interrupt = (): never => {
  stopOwnDaemon();
  process.exit(130);
};
process.once('SIGINT', interrupt);
const checked = <T extends { signal: NodeJS.Signals | null }>(result: T): T => (result.signal === 'SIGINT' ? interrupt() : result);
const cli = (args: string[]) => checked(spawnSync(process.execPath, [bin, ...args], { stdio: ['ignore', values.json ? 2 : 'inherit', 'inherit'], env }));
const cliText = (args: string[]) => checked(spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8' }));

// The daemon is started here, not by submit, so the demo knows which daemon is its own.
const start = cliText(['daemon', 'start', '--json']);
try {
  const started = JSON.parse(start.stdout) as { started?: unknown; pid?: unknown };
  if (started.started !== true) fail(`a daemon the demo did not start (pid ${String(started.pid)}) answered in ${home}; the demo leaves it alone. Stop it with: autodev daemon stop --home ${home}`, 1);
  ownPid = typeof started.pid === 'number' ? started.pid : null;
} catch {
  fail(`the daemon did not start (exit ${start.status}):\n${start.stderr}`, 1);
}

if (replay) {
  // The label below is a claim: check that the daemon really answers from the recording before making it.
  const health = cliText(['daemon', 'status', '--json']);
  type Role = { provider?: unknown; name?: unknown } | undefined;
  const roles = ((): Role[] => {
    try {
      const models = (JSON.parse(health.stdout) as { health?: { models?: { master?: Role; worker?: Role } } }).health?.models;
      return [models?.master, models?.worker];
    } catch {
      return [];
    }
  })();
  if (roles.length !== 2 || !roles.every((r) => r?.provider === 'replay' && r.name === recording)) {
    stopOwnDaemon();
    const shown = roles.map((r) => `${String(r?.provider)} ${String(r?.name)}`).join(', ') || 'unknown';
    fail(`the demo's daemon does not answer from the recording (models: ${shown}); nothing was submitted`, 1);
  }
  say(`model: RECORDED ANSWERS (${recording}); no model runs. The rules, sandbox, git and acceptance are real.`);
} else say(`model ${model}${usingFixture ? ' (random weights: the plan and code are gibberish, the machinery is real)' : ''}`);

const prompt = readFileSync(join(example, 'prompt.md'), 'utf8').trim();
say('submitting examples/todo-api (prompt.md + openapi.yaml) and following it live');
const submitted = cliText(['submit', prompt, '--spec', join(example, 'openapi.yaml'), '--json']);
let jobId: string | null = null;
try {
  jobId = JobView.parse(JSON.parse(submitted.stdout)).jobId;
} catch {
  stopOwnDaemon();
  fail(`the submit failed (exit ${submitted.status}):\n${submitted.stderr}`, 1);
}
cli(['watch', jobId ?? '']);

const final = cliText(['status', jobId ?? '', '--json']);
let view: JobView | null = null;
try {
  view = JobView.parse(JSON.parse(final.stdout));
} catch {
  view = null;
}
say('the result');
cli(['status', jobId ?? '']);
if (view && !view.acceptance) {
  // The job ended before its integration phase (tasks failed their rules): judge what main holds anyway, so the table is shown.
  say('the job ended before its acceptance phase; checking what its repository holds against the spec');
  cli(['accept', view.repo, '--spec', join(example, 'openapi.yaml')]);
}
if (view) {
  say(`result repository: ${view.repo}`);
  spawnSync('git', ['log', '--oneline', '--stat'], { cwd: view.repo, stdio: ['ignore', values.json ? 2 : 'inherit', 'inherit'] });
}
if (view?.status === 'completed') say(`completed: the app passed ${view.acceptance?.passed}/${view.acceptance?.total} acceptance checks derived from openapi.yaml`);
else if (usingFixture) {
  say(`${view?.status ?? 'unknown'}: the random-weight model writes gibberish, so the app does not pass acceptance, and autodev says so.`);
  narrate('   To build working apps, point autodev at a real model: README, "Real models" (AUTODEV_MODEL=/path/model.gguf npm run demo),\n');
  narrate('   or watch a full passing run on recorded answers: node dist/scripts/demo.js --replay\n');
} else say(`${view?.status ?? 'unknown'}: ${view?.error?.code ?? ''} ${view?.error?.message ?? ''}`);
say('stopping the demo daemon');
stopOwnDaemon();
say(`done. Inspect the job again with: autodev status ${jobId} --home ${home} --json (autodev is on PATH after the install step: README, "Install")`);
if (values.json && view) process.stdout.write(`${JSON.stringify(view)}\n`);
// The fixture is expected to fail acceptance; the demo itself failed only if the job never ended, or a recorded run did not pass.
const ended = view !== null && ['completed', 'failed', 'cancelled'].includes(view.status);
process.exit(!ended ? 1 : replay && view?.status !== 'completed' ? 1 : 0);
