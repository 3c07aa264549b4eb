import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CachingEmbedder, type Embedder } from '../actors/memory/embedder.js';
import { LanceMemory } from '../actors/memory/lance-memory.js';
import { loadTransformersEmbedder } from '../actors/memory/transformers-embedder.js';
import type { Logger } from '../actors/log/logger.js';
import type { DaemonConfig } from './config.js';

export const DEFAULT_EMBEDDING_MODEL = 'all-MiniLM-L6-v2';

/** `models.embedding`, else all-MiniLM-L6-v2 in the models folder. */
export function embeddingModelDir(config: DaemonConfig, home: string): string {
  return config.models.embedding ?? join(config.models.dir ?? join(home, 'models'), DEFAULT_EMBEDDING_MODEL);
}

/**
 * Loads the embedding model when one is installed. Its absence is not an
 * error: memory falls back to full-text search, and LanceMemory says so once.
 * A model that is present but broken is an error, since silently degrading
 * would hide it.
 */
export async function loadEmbedder(dir: string, log: Logger): Promise<Embedder | null> {
  try {
    await access(join(dir, 'config.json'));
  } catch {
    log.info('no embedding model installed', { looked: dir });
    return null;
  }
  const embedder = await loadTransformersEmbedder(dir);
  log.info('loaded embedding model', { model: embedder.name, dimension: embedder.dimension });
  return new CachingEmbedder(embedder);
}

export async function openMemory(config: DaemonConfig, home: string, log: Logger): Promise<LanceMemory | null> {
  if (!config.memory.enabled) return null;
  const embedder = await loadEmbedder(embeddingModelDir(config, home), log);
  return LanceMemory.open({ dir: join(home, 'memory'), embedder, log, annThreshold: config.memory.annThreshold });
}
