import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Embedder } from './embedder.js';

/** The part of a transformers.js feature-extraction pipeline this module uses. */
type FeatureExtractor = (texts: string[], options: { pooling: 'mean'; normalize: boolean }) => Promise<{ dims: number[]; data: Float32Array }>;

/**
 * Sentence embeddings from a local transformers.js model folder (config.json,
 * tokenizer files, onnx/model_quantized.onnx), with remote loading off: the
 * daemon never reaches a model hub. Mean pooling, normalised, as
 * all-MiniLM-L6-v2 is meant to be used.
 */
export async function loadTransformersEmbedder(modelDir: string): Promise<Embedder> {
  await access(join(modelDir, 'config.json'));
  const transformers = await import('@xenova/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = `${dirname(modelDir)}/`;
  const name = basename(modelDir);
  const extractor = (await transformers.pipeline('feature-extraction', name, { quantized: true })) as unknown as FeatureExtractor;
  const probe = await extractor(['dimension probe'], { pooling: 'mean', normalize: true });
  const dimension = probe.dims.at(-1) ?? 0;
  if (!dimension) throw new Error(`embedding model ${modelDir} produced no vector`);
  return {
    name,
    dimension,
    async embed(texts) {
      if (texts.length === 0) return [];
      const output = await extractor([...texts], { pooling: 'mean', normalize: true });
      return texts.map((_, i) => output.data.slice(i * dimension, (i + 1) * dimension));
    },
  };
}
