import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { createLogger } from '../actors/log/logger.js';
import { TOOLS_BY_ROLE } from '../actors/master/roles.js';
import { generateFiles } from '../actors/worker/generate-files.js';
import { McpSettings } from '../daemon/mcp/settings.js';
import { createWorkerTools } from '../daemon/mcp/worker-tools.js';
import { ProtocolError, type RepoSnapshot, type WorkRequest } from '../proto/index.js';
import { TINY_MODEL } from './helpers/env.js';

// A worker's tools for one attempt: the task's allow-list over a scratch copy of the snapshot, then the model.
const request = (tools: string[]): WorkRequest => ({
  type: 'work.request',
  jobId: 'jworker',
  taskId: 't2',
  attempt: 1,
  role: 'frontend',
  repo: '/nonexistent',
  jobPrompt: 'a todo app',
  description: 'write the page',
  prompt: 'Write index.html',
  validationRules: ['writes at least one UI file'],
  maxTokens: 800,
  previousError: null,
  avoidWorker: null,
  snapshot: null,
  tools,
});
const snapshot: RepoSnapshot = { commit: 'c1', files: [{ path: 'README.md', content: '# Todo' }] };
const scratchDirs = () => readdirSync(tmpdir()).filter((n) => n.startsWith('autodev-tools-jworker-'));

describe('worker tools', () => {
  let model: LlamaLanguageModel;
  beforeAll(async () => {
    model = await LlamaLanguageModel.load({ modelPath: TINY_MODEL, gpu: false, contextSize: 2048, sequences: 1 });
  });
  afterAll(async () => model?.close());

  it('offers a frontend task only its allowed tools, over a scratch copy of the snapshot', async () => {
    const lines: string[] = [];
    const tools = createWorkerTools({ settings: McpSettings.parse({}), log: createLogger({ write: (l) => lines.push(l) }) });
    const session = await tools(request([...TOOLS_BY_ROLE.frontend.filter((t) => t !== 'memory'), 'time.now']), snapshot);
    if (!session) throw new Error('a task with tools must get a session');
    const names = Object.keys(session.functions);
    expect(names).toContain('filesystem__read_file');
    expect(names).toContain('time__now');
    // The allow-list omits the database server and the other time tools: the model is never offered them.
    expect(names.some((n) => n.startsWith('database__'))).toBe(false);
    expect(names).not.toContain('time__schedule_trigger');
    expect(await session.functions.filesystem__read_file?.handler({ path: 'README.md' })).toMatchObject({ content: '# Todo' });
    expect(scratchDirs()).toHaveLength(1);
    await session.close();
    expect(scratchDirs()).toHaveLength(0);
    expect(await tools(request([]), snapshot)).toBeNull();
  });

  it('runs the tool phase before the files and counts its tokens', async () => {
    const tools = createWorkerTools({ settings: McpSettings.parse({}), log: createLogger({ write: () => {} }) });
    const phases: string[] = [];
    const result = await generateFiles(
      {
        model,
        limits: { maxFiles: 1, maxLinesPerFile: 3, maxLineChars: 40, maxSummaryChars: 40 },
        maxTokens: 800,
        contextChars: 2000,
        progress: (_req, phase) => phases.push(phase),
        tools,
        toolTokens: 64,
      },
      request(['filesystem.read_file', 'time.now']),
      snapshot,
      new AbortController().signal,
    ).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    // Random weights may write an unusable answer; either way the scratch copy is gone and the phases ran in order.
    expect(scratchDirs()).toHaveLength(0);
    expect(phases[0]).toBe('started');
    if (result instanceof Error) expect(result).toBeInstanceOf(ProtocolError);
    else {
      expect(result.files.length).toBe(1);
      expect(result.tokens).toBeGreaterThan(0);
    }
  });
});
