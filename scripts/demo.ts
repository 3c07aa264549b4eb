import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../cli/daemon-process.js';

/**
 * `npm run demo`: submits the example job to a daemon with embedded defaults,
 * follows it live, and shows where the result is. Without AUTODEV_MODEL it
 * uses the random-weight fixture, which proves the machinery, not the code.
 */
const root = packageRoot();
const home = resolve(process.env.AUTODEV_HOME ?? join(root, '.autodev-demo'));
const fixture = resolve(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf');
const model = process.env.AUTODEV_MODEL ? resolve(process.env.AUTODEV_MODEL) : fixture;
const example = join(root, 'examples', 'todo-api');
// Memory uses a real embedding model when one is installed; otherwise the fixture, else full-text search only.
const embedder = process.env.AUTODEV_EMBEDDING_MODEL ?? resolve(root, '..', 'shared', 'models', 'tiny-random-bert');

if (!existsSync(model)) {
  process.stderr.write(`demo: no model at ${model}. Set AUTODEV_MODEL to a GGUF file (see README, "Real models").\n`);
  process.exit(2);
}
mkdirSync(home, { recursive: true, mode: 0o700 });
const usingFixture = model === fixture;
const configFile = join(home, 'config.json');
if (usingFixture && !existsSync(configFile)) {
  // Random weights never stop on their own: keep every answer small so the demo ends in seconds.
  writeFileSync(
    configFile,
    JSON.stringify({ gpu: 'cpu', planMaxTokens: 1500, taskMaxTokens: 2000, maxRetries: 1, retryBaseMs: 200,
      output: { maxFiles: 3, maxLinesPerFile: 12, maxLineChars: 80, maxSummaryChars: 80 } }, null, 2),
  );
}

const say = (text: string) => process.stdout.write(`\n== ${text}\n`);
say(`autodev demo: home ${home}`);
say(`model ${model}${usingFixture ? ' (random weights: the plan and code are gibberish, the machinery is real)' : ''}`);

const cli = (args: string[]) =>
  spawnSync(process.execPath, [join(root, 'bin', 'autodev.js'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, AUTODEV_HOME: home, AUTODEV_MODEL: model, ...(existsSync(embedder) ? { AUTODEV_EMBEDDING_MODEL: embedder } : {}) },
  });

const prompt = readFileSync(join(example, 'prompt.md'), 'utf8').trim();
say('submitting examples/todo-api (prompt.md + openapi.yaml) and following it live');
const submit = cli(['submit', prompt, '--spec', join(example, 'openapi.yaml'), '--wait']);

const status = spawnSync(process.execPath, [join(root, 'bin', 'autodev.js'), 'status', '--json'], {
  env: { ...process.env, AUTODEV_HOME: home },
  encoding: 'utf8',
});
let repo: string | null = null;
try {
  const jobs = (JSON.parse(status.stdout) as { jobs: Array<{ repo: string }> }).jobs;
  repo = jobs[0]?.repo ?? null;
} catch {
  repo = null;
}
if (repo) {
  say(`result repository: ${repo}`);
  spawnSync('git', ['log', '--oneline', '--stat'], { cwd: repo, stdio: 'inherit' });
}
say('stopping the demo daemon');
cli(['daemon', 'stop']);
say(`done. Inspect the job again with: AUTODEV_HOME=${home} npx autodev status --json`);
process.exit(submit.status ?? 1);
