import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AutodevError, JudgePlan } from '../../proto/index.js';

/** The compiled modules the judge needs in its sandbox: itself and what it imports. */
const JUDGE_MODULES = ['in-sandbox-runner.js', 'http-executor.js', 'credential-placement.js', 'form-encoding.js', 'runner-protocol.js'] as const;
export const RUNNER_ENTRY = 'in-sandbox-runner.js';
export const PLAN_FILE = 'plan.json';

/**
 * Where the compiled judge is: beside this module when it runs from dist/,
 * else (tests run the TypeScript sources) in the package's dist/.
 */
export function runnerSourceDir(from: string = fileURLToPath(import.meta.url)): string {
  const here = dirname(from);
  if (existsSync(join(here, JUDGE_MODULES[0]))) return here;
  let root = here;
  while (!existsSync(join(root, 'package.json'))) {
    const parent = dirname(root);
    if (parent === root) break;
    root = parent;
  }
  const built = join(root, 'dist', 'actors', 'acceptance');
  if (!existsSync(join(built, JUDGE_MODULES[0]))) {
    throw new AutodevError('unavailable', `the acceptance judge is not built (${join(built, JUDGE_MODULES[0])} is missing): run npm run build`);
  }
  return built;
}

/**
 * Writes the judge and its plan into `dir`, a fresh folder of the daemon's
 * that no sandbox ever wrote (the judge gets it read-only; the app never
 * sees it). Readable by all, so the judge's own uid can read it; its own
 * package.json says "module", so the judge loads as ES modules.
 */
export async function writeJudge(dir: string, plan: JudgePlan): Promise<void> {
  const source = runnerSourceDir();
  await mkdir(dir, { mode: 0o755 });
  await chmod(dir, 0o755);
  const files: Array<[string, string | Buffer]> = [
    ...(await Promise.all(JUDGE_MODULES.map(async (name): Promise<[string, Buffer]> => [name, await readFile(join(source, name))]))),
    ['package.json', JSON.stringify({ type: 'module', private: true })],
    // Parsed before it is written: a plan the judge could misread is the daemon's bug, caught here.
    [PLAN_FILE, JSON.stringify(JudgePlan.parse(plan))],
  ];
  for (const [name, content] of files) await writeFile(join(dir, name), content, { mode: 0o644, flag: 'wx' });
}
