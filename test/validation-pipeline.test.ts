import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryStoreInput, StageResult } from '../proto/index.js';
import type { MemoryStore } from '../actors/memory/memory-store.js';
import { runValidationPipeline, toValidationReport } from '../actors/validation/pipeline.js';
import { UnsafeSandbox } from '../actors/sandbox/unsafe-sandbox.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { tempDir } from './helpers/env.js';
import { BROKEN_PROJECT, HEALTHY_PROJECT, PLANTED_TOKEN, writeProject } from './helpers/project-fixture.js';

/** Records what the pipeline stores; the LanceDB store itself is tested by the memory suites. */
function recordingMemory(): MemoryStore & { stored: MemoryStoreInput[] } {
  const stored: MemoryStoreInput[] = [];
  const fail = () => Promise.reject(new Error('not used by the pipeline'));
  const record = (input: MemoryStoreInput) => {
    stored.push(input);
    return { id: String(stored.length), content: input.content, metadata: { ...input.metadata, taskId: input.metadata.taskId ?? null, version: input.metadata.version ?? null, platform: null, tags: input.metadata.tags ?? [], timestamp: new Date().toISOString() } };
  };
  return {
    scope: 'test',
    stored,
    store: async (input) => record(input),
    // The pipeline stores every stage's outcome in one batch.
    storeMany: async (inputs) => inputs.map(record),
    retrieve: fail,
    update: fail,
    delete: fail,
    searchByMetadata: fail,
  };
}

/** The no-sandbox backend for speed of development, and bubblewrap: a real sandbox, workspace at /workspace. */
const BACKENDS: Array<[string, () => Sandbox]> = [
  ['none', () => new UnsafeSandbox()],
  ['bubblewrap', () => new BubblewrapSandbox()],
];

describe.each(BACKENDS)('validation pipeline on a generated project (%s backend)', (backend, make) => {
  const sandbox = make();
  const broken = tempDir('validate-broken');
  const healthy = tempDir('validate-healthy');
  beforeAll(() => {
    writeProject(broken.path, BROKEN_PROJECT);
    writeProject(healthy.path, HEALTHY_PROJECT);
  });
  afterAll(async () => {
    await sandbox.close();
    broken.cleanup();
    healthy.cleanup();
  });

  it('runs every stage and turns each problem into a structured failure', async () => {
    const events: StageResult[] = [];
    const memory = recordingMemory();
    const report = await runValidationPipeline({
      sandbox,
      workspace: broken.path,
      onStage: (r) => void events.push(r),
      memory,
      memoryContext: { taskId: 't1', version: 'abc123' },
      testTimeoutMs: 30_000,
    });
    const byStage = Object.fromEntries(report.stages.map((s) => [s.stage, s]));
    expect(report.passed).toBe(false);
    expect(report.sandbox).toBe(backend);
    expect(events.map((e) => e.stage)).toEqual(['syntax', 'lint', 'typecheck', 'unit_tests', 'integration_tests', 'coverage', 'security', 'quality']);

    expect(byStage.syntax?.status).toBe('passed');
    expect(byStage.lint?.failures).toEqual([expect.objectContaining({ file: 'src/debug.mjs', line: 2, message: expect.stringContaining('no-debugger') })]);
    expect(byStage.typecheck?.failures).toEqual([
      expect.objectContaining({ file: 'src/format.ts', line: 2, message: expect.stringContaining("Type 'number' is not assignable to type 'string'") }),
    ]);

    const unit = byStage.unit_tests;
    expect(unit?.status).toBe('failed');
    expect(unit?.metrics).toMatchObject({ passed: 1, failed: 1 });
    expect(unit?.failures).toHaveLength(1);
    expect(unit?.failures[0]).toMatchObject({ stage: 'unit_tests', file: 'test/math.test.mjs', line: 6, message: expect.stringContaining('adds two numbers') });
    expect(unit?.failures[0]?.logExcerpt).toContain('-1 !== 5');

    expect(byStage.integration_tests).toMatchObject({ status: 'passed', metrics: { passed: 1, failed: 0 } });
    expect(byStage.coverage?.status).toBe('passed');
    expect(byStage.coverage?.metrics.lines).toBeGreaterThan(50);

    const security = byStage.security;
    expect(security?.status).toBe('failed');
    expect(security?.failures).toEqual([expect.objectContaining({ file: 'src/config.mjs', line: 1, message: expect.stringContaining('github') })]);
    expect(JSON.stringify(security)).not.toContain(PLANTED_TOKEN);
    expect(security?.reason).toMatch(/npm audit: no package-lock\.json/);
    expect(security?.summary).toContain('npm audit skipped');
    expect(byStage.quality).toMatchObject({ status: 'passed', metrics: { files: 6 } });

    // What the fix task gets: one entry per problem, with the failing test's output under it.
    const validation = toValidationReport(report);
    expect(validation.passed).toBe(false);
    expect(validation.issues.find((i) => i.startsWith('[unit_tests] test/math.test.mjs:6'))).toContain('-1 !== 5');
    expect(validation.failures?.map((f) => f.stage).sort()).toEqual(['lint', 'security', 'typecheck', 'unit_tests']);

    expect(memory.stored).toHaveLength(8);
    expect(memory.stored.filter((m) => m.metadata.type === 'error').map((m) => m.metadata.source).sort()).toEqual([
      'validation/lint',
      'validation/security',
      'validation/typecheck',
      'validation/unit_tests',
    ]);
    expect(memory.stored[3]).toMatchObject({ metadata: { taskId: 't1', version: 'abc123', tags: ['validation', 'unit_tests', 'failed'] } });
  });

  it('passes the same project once the problems are fixed', async () => {
    const report = await runValidationPipeline({ sandbox, workspace: healthy.path, testTimeoutMs: 30_000 });
    expect(report.stages.filter((s) => s.status === 'failed')).toEqual([]);
    expect(report.passed).toBe(true);
    expect(report.stages.find((s) => s.stage === 'unit_tests')?.metrics).toMatchObject({ passed: 2, failed: 0 });
  });

  it('reports a hung test run as a timeout failure', async () => {
    const hung = tempDir('validate-hung');
    writeProject(hung.path, { 'test/hang.test.mjs': "import test from 'node:test';\ntest('hangs', () => new Promise(() => setInterval(() => {}, 1000)));\n" });
    try {
      const report = await runValidationPipeline({ sandbox, workspace: hung.path, stages: ['unit_tests'], testTimeoutMs: 1500 });
      expect(report.stages[0]).toMatchObject({ status: 'failed', failures: [expect.objectContaining({ message: expect.stringContaining('timed out after 1500 ms') })] });
    } finally {
      hung.cleanup();
    }
  });
});
