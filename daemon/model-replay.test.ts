import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelsView, ProtocolError } from '../proto/index.js';
import { ReplayLanguageModel } from '../actors/llm/replay-model.js';
import { loadConfig } from './config.js';
import { createModelRegistry } from './model-registry.js';

describe('the replay provider in the daemon configuration', () => {
  const homes: string[] = [];
  const home = (config: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'autodev-replay-config-'));
    homes.push(dir);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
    return dir;
  };
  afterEach(() => homes.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('loads the recording a role names (relative to the home folder) and reports the role as provider replay', async () => {
    const dir = home({ models: { master: { provider: 'replay', path: 'rec/recording.json' }, worker: { provider: 'replay', path: 'rec/recording.json' } } });
    mkdirSync(join(dir, 'rec'));
    writeFileSync(join(dir, 'rec', 'recording.json'), JSON.stringify({ type: 'replay.recording', version: 1, answers: [{ match: 'x', attempts: [{ text: 'y' }] }] }));
    const config = await loadConfig(dir, {}, {});
    const recording = join(dir, 'rec', 'recording.json');
    expect(config.models.worker).toMatchObject({ provider: 'replay', path: recording });
    const registry = createModelRegistry(config, { home: dir, workerSequences: 2 });
    try {
      // What /health and `autodev models list` show; the view is the API's own schema, so replay is a provider it accepts.
      const view = ModelsView.parse(registry.describe());
      expect(view.master).toEqual({ provider: 'replay', name: recording, contextSize: null });
      expect(view.worker).toEqual({ provider: 'replay', name: recording, contextSize: null });
      const model = await registry.worker.get();
      expect(model).toBeInstanceOf(ReplayLanguageModel);
      expect((await model.generateText({ system: '', prompt: 'x', grammar: 'root ::= "y"', maxTokens: 10 })).value).toBe('y');
    } finally {
      await registry.close();
    }
  });

  it('says what to set when a replay role names no recording, and never falls back to the GGUF of "model"', async () => {
    const dir = home({ model: 'some.gguf', models: { worker: { provider: 'replay' } } });
    writeFileSync(join(dir, 'some.gguf'), 'not loaded: only its existence is checked');
    const config = await loadConfig(dir, {}, {});
    const registry = createModelRegistry(config, { home: dir, workerSequences: 1 });
    // get() refuses before it starts loading, so the error is thrown, not a rejected promise.
    const error = await Promise.resolve().then(() => registry.worker.get()).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error).toMatchObject({ code: 'model_not_configured', message: expect.stringMatching(/models\.worker\.path must name the replay recording/) });
    await registry.close();
  });

  it('refuses a broken recording when the role loads, naming the file and the field', async () => {
    const dir = home({ models: { worker: { provider: 'replay', path: 'recording.json' } } });
    writeFileSync(join(dir, 'recording.json'), JSON.stringify({ type: 'replay.recording', version: 2, answers: [] }));
    const registry = createModelRegistry(await loadConfig(dir, {}, {}), { home: dir, workerSequences: 1 });
    await expect(registry.worker.get()).rejects.toThrow(/replay recording .*recording\.json: field version: /);
    await registry.close();
  });
});
