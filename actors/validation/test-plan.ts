import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { directNodeArgv, projectNpmSetup } from '../sandbox-app/direct-script.js';
import { isIntegrationTestFile, isTestFile, type WorkspaceFile } from './workspace-files.js';

/** How one test stage runs: a command, or why it cannot. */
export type TestCommand =
  | { kind: 'run'; argv: string[]; /** node:test prints TAP and, with the flag, coverage */ tap: boolean; coverage: boolean }
  | { kind: 'skip'; reason: string };

export interface TestPlan {
  unit: TestCommand;
  integration: TestCommand;
  /** Null when the unit run itself measures coverage. */
  coverage: TestCommand | null;
}

const PackageJson = z.object({ scripts: z.record(z.string(), z.string()).optional() }).loose();
const NPM_PLACEHOLDER = /no test specified/;
const JS_TEST = /\.(m|c)?js$/i;

export function scriptsOf(files: readonly WorkspaceFile[]): Record<string, string> {
  const manifest = files.find((f) => f.path === 'package.json');
  if (!manifest) return {};
  try {
    const parsed = PackageJson.safeParse(JSON.parse(manifest.content));
    return parsed.success ? (parsed.data.scripts ?? {}) : {};
  } catch {
    return {};
  }
}

/** An npm script runs only when its tool is there: plain node, or a binary in the project's node_modules. */
export function npmScript(root: string, scripts: Record<string, string>, name: string): TestCommand | null {
  const script = scripts[name];
  if (!script || NPM_PLACEHOLDER.test(script)) return null;
  const tool = script.trim().split(/\s+/)[0] ?? '';
  const available = tool === 'node' || tool === 'npm' || existsSync(join(root, 'node_modules', '.bin', tool));
  if (!available) return { kind: 'skip', reason: `script "${name}" needs ${tool}, which is not installed (run the dependency install step first)` };
  // A plain `node …` script runs as node itself, sparing npm's start-up on every stage (see direct-script.ts).
  const argv = (tool === 'node' ? directNodeArgv(scripts, name, projectNpmSetup(root)) : null) ?? ['npm', 'run', '--silent', name];
  // node:test prints TAP when not on a terminal, so its failures can be parsed one by one.
  return { kind: 'run', argv, tap: /\bnode\b.*--test\b/.test(script), coverage: /--experimental-test-coverage/.test(script) };
}

export function nodeTest(files: readonly string[], coverage: boolean): TestCommand {
  return { kind: 'run', argv: ['node', '--test', ...(coverage ? ['--experimental-test-coverage'] : []), ...files], tap: true, coverage };
}

/**
 * Picks each test stage's command from the project: its npm scripts when their
 * runner is installed, otherwise node:test over its JavaScript test files.
 * TypeScript tests need the project's runner, so without node_modules they are skipped with that reason.
 */
export function planTests(root: string, files: readonly WorkspaceFile[]): TestPlan {
  const scripts = scriptsOf(files);
  const tests = files.map((f) => f.path).filter(isTestFile);
  const unitFiles = tests.filter((p) => !isIntegrationTestFile(p));
  const integrationFiles = tests.filter(isIntegrationTestFile);
  const pick = (names: string[], paths: string[], coverage: boolean, none: string): TestCommand => {
    for (const name of names) {
      const command = npmScript(root, scripts, name);
      if (command) return command;
    }
    const js = paths.filter((p) => JS_TEST.test(p));
    if (js.length > 0) return nodeTest(js, coverage);
    if (paths.length > 0) return { kind: 'skip', reason: `${paths.length} TypeScript test file(s) need the project's test runner, which is not installed` };
    return { kind: 'skip', reason: none };
  };
  const unit = pick(['test:unit', 'test'], unitFiles, true, 'the project has no unit tests');
  const integration = pick(['test:integration', 'test:e2e'], integrationFiles, false, 'the project has no integration tests');
  const coverageScript = npmScript(root, scripts, 'test:coverage') ?? npmScript(root, scripts, 'coverage');
  const coverage =
    unit.kind === 'run' && unit.coverage
      ? null
      : (coverageScript ?? { kind: 'skip' as const, reason: noCoverageReason(unit) });
  return { unit, integration, coverage };
}

/**
 * Why no stage measures coverage, true to how the unit tests ran: tests
 * that ran under `node --test` without the coverage flag are still node:test.
 */
function noCoverageReason(unit: TestCommand): string {
  const remedy = 'add a "test:coverage" script';
  if (unit.kind === 'skip') return `no coverage measurement: the unit tests did not run (${unit.reason}) and there is no coverage script`;
  if (unit.tap) {
    return `no coverage measurement: the unit tests run under node:test without --experimental-test-coverage and there is no coverage script; add that flag to the test script or ${remedy}`;
  }
  return `no coverage measurement: the unit tests run with "${unit.argv.join(' ')}", whose coverage autodev cannot read, and there is no coverage script; ${remedy}`;
}
