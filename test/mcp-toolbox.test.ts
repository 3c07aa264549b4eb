import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLlama, LlamaLogLevel, type GbnfJsonSchema } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { createLogger } from '../actors/log/logger.js';
import { TOOLS_BY_ROLE } from '../actors/master/roles.js';
import { MCP_SERVER_NAMES } from '../actors/mcp/registry.js';
import { Toolbox } from '../actors/mcp/toolbox.js';
import { ProtocolError } from '../proto/index.js';
import { TINY_MODEL, tempDir } from './helpers/env.js';
import { errorText, jobContext } from './helpers/mcp.js';

// A worker's side of MCP: its task's allow-list, real servers behind an in-process client, and model functions.
const home = tempDir('mcp-toolbox');
const jobsDir = join(home.path, 'jobs');
afterAll(() => home.cleanup());

function recordingLog() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: createLogger({ level: 'debug', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) }) };
}

describe('tool allow-list', () => {
  it('refuses and logs a tool the task allow-list omits, and calls the ones it names', async () => {
    // A frontend task: filesystem, git and memory, but no database.
    const { lines, log } = recordingLog();
    const ctx = jobContext(jobsDir, 'jallow');
    const box = await Toolbox.open({ context: ctx, allow: [...TOOLS_BY_ROLE.frontend.filter((t) => t !== 'memory'), 'database.execute_query_typo'], caller: 't3', log });
    expect(new Set(box.tools.map((t) => t.server))).toEqual(new Set(['filesystem', 'git']));

    const refused = await box.call('database', 'execute_query', { sql: "CREATE TABLE stolen (a)" });
    expect(refused.isError).toBe(true);
    expect(errorText(refused)).toContain("tool database.execute_query is not in this task's allow-list");
    expect(existsSync(ctx.databaseFile)).toBe(false);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'refused a tool call outside the task allow-list', caller: 't3', server: 'database', tool: 'execute_query' }));

    const allowed = await box.call('filesystem', 'write_file', { path: 'src/ui.js', content: 'export {}' });
    expect(allowed).toMatchObject({ structuredContent: { path: 'src/ui.js', bytes: 9 } });
    await box.close();
  });

  it('narrows a server to single tools with server.tool entries, also in the model functions', async () => {
    const { lines, log } = recordingLog();
    const ctx = jobContext(jobsDir, 'jnarrow');
    writeFileSync(join(ctx.workspace, 'spec.md'), '# Spec');
    const box = await Toolbox.open({ context: ctx, allow: ['filesystem.read_file', 'time'], caller: 't1', log });
    const functions = box.modelFunctions();
    expect(Object.keys(functions).sort()).toEqual(['filesystem__read_file', 'time__cancel_trigger', 'time__convert_timezone', 'time__list_triggers', 'time__now', 'time__schedule_trigger']);

    // What node-llama-cpp does when the model calls a function: the handler goes through MCP.
    expect(await functions.filesystem__read_file?.handler({ path: 'spec.md' })).toMatchObject({ content: '# Spec' });
    expect(await functions.filesystem__read_file?.handler({ path: '../../etc/passwd' })).toEqual({ error: expect.stringContaining('".."') });

    const write = await box.call('filesystem', 'write_file', { path: 'spec.md', content: 'overwritten' });
    expect(write.isError).toBe(true);
    expect(lines.filter((l) => l.msg === 'refused a tool call outside the task allow-list')).toHaveLength(1);
    await box.close();
  });
});

describe('model functions from MCP tool schemas', () => {
  it('turns every tool of every server into a grammar node-llama-cpp accepts, with bounded strings', async () => {
    const llama = await getLlama({ gpu: false, logLevel: LlamaLogLevel.error });
    const box = await Toolbox.open({ context: jobContext(jobsDir, 'jgbnf'), allow: [...MCP_SERVER_NAMES], caller: 't1', log: createLogger({ write: () => {} }), bounds: { maxStringLength: 200, maxArrayItems: 4 } });
    const functions = box.modelFunctions();
    expect(Object.keys(functions)).toHaveLength(box.tools.length);
    for (const [name, fn] of Object.entries(functions)) {
      const grammar = await llama.createGrammarForJsonSchema<GbnfJsonSchema>(fn.parameters);
      expect(grammar.grammar.length, name).toBeGreaterThan(0);
      // Every string in the schema carries an upper bound, so a small model's call always ends.
      const strings = JSON.stringify(fn.parameters).match(/"type":"string"(?!,"format")[^}]*/g) ?? [];
      for (const s of strings) expect(s, name).toMatch(/"maxLength":\d+/);
    }
    await box.close();
    await llama.dispose();
  });

  it('lets a real model call the allowed tools through generateWithFunctions', async () => {
    const model = await LlamaLanguageModel.load({ modelPath: TINY_MODEL, gpu: false, contextSize: 2048, sequences: 1 });
    const box = await Toolbox.open({ context: jobContext(jobsDir, 'jmodel'), allow: ['time.now', 'sequential_thinking.plan_steps'], caller: 't1', log: createLogger({ write: () => {} }), bounds: { maxStringLength: 16, maxArrayItems: 2 } });
    try {
      if (!model.generateWithFunctions) throw new Error('LlamaLanguageModel lost generateWithFunctions');
      const answer = await model.generateWithFunctions({ system: 'Use the tools.', prompt: 'What time is it in UTC?', maxTokens: 200, functions: box.modelFunctions() }).catch((e: unknown) => e);
      // Random weights may or may not call a tool; whatever they call is an allowed tool, answered by its MCP server.
      if (answer instanceof ProtocolError) expect(answer.code).toBe('model_output_invalid');
      else {
        const { calls } = answer as { calls: Array<{ name: string; result: unknown }> };
        for (const call of calls) {
          expect(['time__now', 'sequential_thinking__plan_steps']).toContain(call.name);
          expect(call.result).toBeTypeOf('object');
        }
      }
    } finally {
      await box.close();
      await model.close();
    }
  });
});
