import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { packageRoot } from '../cli/daemon-process.js';
import { JobView } from '../proto/index.js';

/**
 * `npm run demo`: submits the example job to a daemon with embedded defaults,
 * follows it live, and says honestly how it ended. Without AUTODEV_MODEL it
 * uses the random-weight fixture: the machinery is real, the code is
 * gibberish, and acceptance says so. `--replay` runs the same job on recorded
 * answers (examples/todo-api/recordings/buggy), which plant a bug that
 * acceptance catches and a fix task repairs. `--json` prints the final status
 * object last.
 */
const { values } = parseArgs({ options: { replay: { type: 'boolean', default: false }, json: { type: 'boolean', default: false } } });
const root = packageRoot();
const example = join(root, 'examples', 'todo-api');
const replay = values.replay === true;
const home = resolve(process.env.AUTODEV_HOME ?? join(root, replay ? '.autodev-demo-replay' : '.autodev-demo'));
const fixture = resolve(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf');
const recording = join(example, 'recordings', 'buggy', 'recording.json');
const model = process.env.AUTODEV_MODEL ? resolve(process.env.AUTODEV_MODEL) : fixture;
// Memory uses a real embedding model when one is installed; otherwise the fixture, else full-text search only.
const embedder = process.env.AUTODEV_EMBEDDING_MODEL ?? resolve(root, '..', 'shared', 'models', 'tiny-random-bert');
// With --json, the narration goes to stderr so stdout ends with one JSON object.
const narrate = (text: string) => (values.json ? process.stderr : process.stdout).write(text);
const say = (text: string) => narrate(`\n== ${text}\n`);

if (!replay && !existsSync(model)) {
  process.stderr.write(`demo: no model at ${model}. Set AUTODEV_MODEL to a GGUF file (see README, "Real models"), or run: node dist/scripts/demo.js --replay\n`);
  process.exit(2);
}
mkdirSync(home, { recursive: true, mode: 0o700 });
const usingFixture = !replay && model === fixture;
const configFile = join(home, 'config.json');
if (replay) {
  const role = { provider: 'replay', path: recording };
  writeFileSync(configFile, JSON.stringify({ gpu: 'cpu', retryBaseMs: 200, maxRetries: 1, models: { master: role, worker: role } }, null, 2));
} else if (usingFixture && !existsSync(configFile)) {
  // Random weights never stop on their own: keep every answer small so the demo ends in seconds.
  writeFileSync(
    configFile,
    JSON.stringify({ gpu: 'cpu', planMaxTokens: 1500, taskMaxTokens: 2000, maxRetries: 1, retryBaseMs: 200,
      output: { maxFiles: 3, maxLinesPerFile: 12, maxLineChars: 80, maxSummaryChars: 80 } }, null, 2),
  );
}

say(`autodev demo: home ${home}`);
if (replay) say(`model: RECORDED ANSWERS (${recording}); no model runs. The rules, sandbox, git and acceptance are real.`);
else say(`model ${model}${usingFixture ? ' (random weights: the plan and code are gibberish, the machinery is real)' : ''}`);

const env = {
  ...process.env,
  AUTODEV_HOME: home,
  ...(replay ? {} : { AUTODEV_MODEL: model }),
  ...(existsSync(embedder) ? { AUTODEV_EMBEDDING_MODEL: embedder } : {}),
};
const cli = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'autodev.js'), ...args], { stdio: ['ignore', values.json ? 2 : 'inherit', 'inherit'], env });
const cliText = (args: string[]) => spawnSync(process.execPath, [join(root, 'bin', 'autodev.js'), ...args], { env, encoding: 'utf8' });

const prompt = readFileSync(join(example, 'prompt.md'), 'utf8').trim();
say('submitting examples/todo-api (prompt.md + openapi.yaml) and following it live');
const submitted = cliText(['submit', prompt, '--spec', join(example, 'openapi.yaml'), '--json']);
let jobId: string | null = null;
try {
  jobId = JobView.parse(JSON.parse(submitted.stdout)).jobId;
} catch {
  process.stderr.write(`demo: the submit failed (exit ${submitted.status}):\n${submitted.stderr}\n`);
  cli(['daemon', 'stop']);
  process.exit(1);
}
cli(['watch', jobId]);

const final = cliText(['status', jobId, '--json']);
let view: JobView | null = null;
try {
  view = JobView.parse(JSON.parse(final.stdout));
} catch {
  view = null;
}
say('the result');
cli(['status', jobId]);
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
cli(['daemon', 'stop']);
say(`done. Inspect the job again with: AUTODEV_HOME=${home} npx autodev status ${jobId} --json`);
if (values.json && view) process.stdout.write(`${JSON.stringify(view)}\n`);
// The fixture is expected to fail acceptance; the demo itself failed only if the job never ended, or a recorded run did not pass.
const ended = view !== null && ['completed', 'failed', 'cancelled'].includes(view.status);
process.exit(!ended ? 1 : replay && view?.status !== 'completed' ? 1 : 0);
