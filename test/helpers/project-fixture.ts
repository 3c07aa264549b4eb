import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** A GitHub token split in two, so this repository's own scans do not flag the fixture. */
export const PLANTED_TOKEN = 'ghp_' + 'wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx';

/**
 * A small generated-looking project with known problems: a failing unit test,
 * a type error, a debugger statement and a committed token. Each is on a
 * known line, so tests can check the structured failures exactly.
 */
export const BROKEN_PROJECT: Record<string, string> = {
  'package.json': JSON.stringify({ name: 'fixture-app', version: '1.0.0', type: 'module', private: true }, null, 2),
  'src/math.mjs': 'export function add(a, b) {\n  return a - b;\n}\n\nexport function square(n) {\n  return n * n;\n}\n',
  'src/format.ts': 'export function label(n: number): string {\n  const text: string = n;\n  return text;\n}\n',
  'src/debug.mjs': 'export function trace(x) {\n  debugger;\n  return x;\n}\n',
  'src/config.mjs': `export const githubToken = '${PLANTED_TOKEN}';\n`,
  'test/math.test.mjs':
    "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { add, square } from '../src/math.mjs';\n\ntest('adds two numbers', () => {\n  assert.equal(add(2, 3), 5);\n});\n\ntest('squares', () => {\n  assert.equal(square(3), 9);\n});\n",
  'test/integration/square.int.test.mjs':
    "import test from 'node:test';\nimport assert from 'node:assert/strict';\nimport { square } from '../../src/math.mjs';\n\ntest('square of 4', () => {\n  assert.equal(square(4), 16);\n});\n",
};

/** The same project with every problem fixed. */
export const HEALTHY_PROJECT: Record<string, string> = {
  ...BROKEN_PROJECT,
  'src/math.mjs': 'export function add(a, b) {\n  return a + b;\n}\n\nexport function square(n) {\n  return n * n;\n}\n',
  'src/format.ts': 'export function label(n: number): string {\n  return `#${n}`;\n}\n',
  'src/debug.mjs': 'export function trace(x) {\n  return x;\n}\n',
  'src/config.mjs': 'export const githubToken = process.env.GITHUB_TOKEN ?? null;\n',
};

export function writeProject(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}
