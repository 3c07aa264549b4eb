import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileUnder } from '../fs/safe-write.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUNNER_DIR, type RunnerPlan } from './runner-protocol.js';

/** The compiled modules the runner needs inside the sandbox: itself and what it imports. */
const RUNNER_MODULES = ['in-sandbox-runner.js', 'http-executor.js', 'command-executor.js', 'runner-protocol.js'] as const;
export const RUNNER_ENTRY = `${RUNNER_DIR}/in-sandbox-runner.js`;
export const PLAN_FILE = `${RUNNER_DIR}/plan.json`;

/**
 * Where the compiled runner is: beside this module when it runs from dist/,
 * else (tests run the TypeScript sources) in the package's dist/.
 */
export function runnerSourceDir(from: string = fileURLToPath(import.meta.url)): string {
  const here = dirname(from);
  if (existsSync(join(here, RUNNER_MODULES[0]))) return here;
  let root = here;
  while (!existsSync(join(root, 'package.json'))) {
    const parent = dirname(root);
    if (parent === root) break;
    root = parent;
  }
  const built = join(root, 'dist', 'actors', 'acceptance');
  if (!existsSync(join(built, RUNNER_MODULES[0]))) {
    throw new Error(`the acceptance runner is not built (${join(built, RUNNER_MODULES[0])} is missing): run npm run build`);
  }
  return built;
}

/**
 * Puts the runner and its plan in the app's copy. The folder gets its own
 * package.json saying "module", so the runner loads as ES modules whatever
 * the app's package.json says.
 */
export async function writeRunner(workspace: string, plan: RunnerPlan): Promise<void> {
  const source = runnerSourceDir();
  // The app's copy was written by a sandbox run (install, build): no write here follows a link it planted.
  for (const name of RUNNER_MODULES) await writeFileUnder(workspace, `${RUNNER_DIR}/${name}`, await readFile(join(source, name)));
  await writeFileUnder(workspace, `${RUNNER_DIR}/package.json`, JSON.stringify({ type: 'module', private: true }));
  await writeFileUnder(workspace, PLAN_FILE, JSON.stringify(plan));
}
