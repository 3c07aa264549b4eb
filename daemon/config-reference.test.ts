import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DaemonConfig } from './config.js';
import { configKeys } from './config-keys.js';
import { CONFIG_REFERENCE_FILE, renderConfigReference } from './config-reference.js';
import { ENVIRONMENT_VARIABLES, NOT_ENVIRONMENT_VARIABLES } from './environment-variables.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function undescribed(schema: z.ZodType): string[] {
  return configKeys(schema)
    .filter((key) => !key.description?.trim())
    .map((key) => key.path);
}

describe('the config reference', () => {
  it('has a description for every leaf key of the config schema', () => {
    expect(configKeys(DaemonConfig).length).toBeGreaterThan(90);
    expect(undescribed(DaemonConfig)).toEqual([]);
  });

  it('names a key that lacks a description, nested ones and those behind a default included', () => {
    const schema = z.object({
      said: z.number().default(1).describe('a key with a description'),
      unsaid: z.number().default(2),
      section: z.object({ deep: z.boolean().optional() }).strict().prefault({}),
    });
    expect(undescribed(schema)).toEqual(['unsaid', 'section.deep']);
  });

  it(`matches ${CONFIG_REFERENCE_FILE}, so the file never drifts from the schema (run npm run docs:config)`, () => {
    const onDisk = readFileSync(join(ROOT, CONFIG_REFERENCE_FILE), 'utf8');
    expect(onDisk).toBe(renderConfigReference());
  });

  it('shows each key with its type, default and allowed values, the ones the README never named included', () => {
    const text = renderConfigReference();
    for (const key of ['retryBaseMs', 'planAttempts', 'natsServerBin', 'natsRestartDelaysMs', 'apiMaxBodyBytes', 'sandbox.dockerdBin', 'memory.enabled', 'output.maxFiles', 'acceptance.startTimeoutMs']) {
      expect(text).toContain(`| \`${key}\` |`);
    }
    expect(text).toContain('| `maxParallelTasks` | integer | `2` | 1–64 | tasks a job runs at once |');
    expect(text).toContain('| `gpu` | string | `"auto"` | "auto", "cuda", "vulkan", "metal", "cpu" |');
    expect(text).toContain('| `models.master.pricing.inputPerMTok` | number | required | ≥ 0 |');
  });

  it('lists every AUTODEV_ environment variable the code reads, and none it does not', () => {
    const listed = new Set(ENVIRONMENT_VARIABLES.map((v) => v.name));
    const named = namedVariables();
    const missing = [...named].filter((name) => !listed.has(name) && !NOT_ENVIRONMENT_VARIABLES.includes(name));
    expect(missing).toEqual([]);
    expect([...listed].filter((name) => !named.has(name))).toEqual([]);
    const text = renderConfigReference();
    for (const name of listed) expect(text).toContain(`| \`${name}\` |`);
  });
});

const SOURCE_DIRS = ['daemon', 'cli', 'actors', 'scripts', 'proto', 'machines', 'bin', 'test', 'web'];

/** Every `AUTODEV_X` token in the project's own source, tests and scripts. */
function namedVariables(): Set<string> {
  const names = new Set<string>();
  const visit = (path: string) => {
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'dist') visit(join(path, entry));
      return;
    }
    if (!/\.(ts|js|sh)$/.test(path) || path.endsWith('environment-variables.ts') || path.endsWith('config-reference.test.ts')) return;
    for (const match of readFileSync(path, 'utf8').matchAll(/AUTODEV_[A-Z][A-Z0-9_]*/g)) names.add(match[0]);
  };
  for (const dir of SOURCE_DIRS) visit(join(ROOT, dir));
  visit(join(ROOT, 'vitest.config.ts'));
  return names;
}
