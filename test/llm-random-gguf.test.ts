import { join } from 'node:path';
import { readGgufFileInfo } from 'node-llama-cpp';
import { afterAll, describe, expect, it } from 'vitest';
import { LlamaLanguageModel } from '../actors/llm/llama-model.js';
import { PRESETS, writeRandomGguf } from '../scripts/make-random-gguf.js';
import { TINY_MODEL, tempDir } from './helpers/env.js';

describe('scripts/make-random-gguf writes a GGUF that llama.cpp loads', () => {
  const dir = tempDir('gguf');
  afterAll(() => dir.cleanup());

  it('writes a Q8_0 llama model with the fixture\'s tokenizer, which loads and generates', async () => {
    const shape = PRESETS.test;
    if (!shape) throw new Error('no test preset');
    const out = join(dir.path, 'random.gguf');
    const written = await writeRandomGguf({ out, shape, tokenizerFrom: TINY_MODEL });
    const info = await readGgufFileInfo(out);
    expect(info.metadata.general.architecture).toBe('llama');
    expect(info.metadata.llama?.block_count).toBe(shape.layers);
    expect(info.tensorInfo?.find((t) => t.name === 'blk.0.ffn_gate.weight')?.ggmlType).toBe(8);
    expect(info.tensorInfo?.reduce((n, t) => n + t.dimensions.reduce<number>((a, b) => a * Number(b), 1), 0)).toBe(written.parameters);

    const model = await LlamaLanguageModel.load({ modelPath: out, gpu: false, contextSize: 512, sequences: 1, threads: 1 });
    try {
      const answer = await model.complete({ system: 's', prompt: 'Hello', maxTokens: 8, allowTruncated: true });
      expect(answer.tokens).toBeGreaterThan(0);
      expect(model.countTokens('Hello world')).toBeGreaterThan(1);
    } finally {
      await model.close();
    }
  });
});
