import { isIntegrationTestFile } from '../validation/workspace-files.js';

const NPM_RUN_BUILD = /^npm run (?:--silent |-s )?build$/;
const normalized = (script: string) => script.trim().replace(/\s+/g, ' ');

/**
 * Why the project's tests need no build step of their own, or null when they
 * do. A TypeScript project's `"test": "tsc && node --test"` beside
 * `"build": "tsc"` builds before it tests, so building first as well ran the
 * compiler twice over the same tree (seconds each acceptance round). Only
 * when `npm test` is the one command the tests run by: a `test:unit`,
 * `test:integration` or `test:e2e` script, or integration test files (run
 * without a script), may need the build's output without making it.
 * Only `&&` counts: after `;` or `||` the tests run on a failed build.
 */
export function buildInTestScript(scripts: Readonly<Record<string, string>>, paths: readonly string[]): string | null {
  const build = scripts.build === undefined ? '' : normalized(scripts.build);
  const test = scripts.test === undefined ? '' : normalized(scripts.test);
  if (!build || !test) return null;
  if (['test:unit', 'test:integration', 'test:e2e'].some((name) => scripts[name] !== undefined)) return null;
  if (paths.some(isIntegrationTestFile)) return null;
  const commands = test.split(' && ');
  if (commands.length < 2) return null;
  const builds = test.startsWith(`${build} && `) || NPM_RUN_BUILD.test(commands[0] ?? '');
  return builds ? `the test script builds first (${test.slice(0, 120)})` : null;
}
