import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { DeferredMemory } from '../actors/memory/deferred-memory.js';
import { CachingEmbedder, type Embedder } from '../actors/memory/embedder.js';
import { loadTransformersEmbedder } from '../actors/memory/transformers-embedder.js';
import type { Logger } from '../actors/log/logger.js';
import type { DaemonConfig } from './config.js';
import type { WarmUpBoard } from './warm-up.js';

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

/**
 * Memory that opens on `open()` or on first use: LanceDB and Arrow (0.3 s and
 * some 140 modules to import) and an embedding model (transformers.js and the
 * model, seconds) must not hold up the daemon's first answer, so the daemon
 * opens it once it answers. Its progress shows in /health; a model that is
 * present but broken fails it there and in the log, and every memory call
 * then fails with that error, which callers log and go on without memory.
 */
export function createDeferredMemory(config: DaemonConfig, home: string, log: Logger, board: WarmUpBoard): DeferredMemory | null {
  if (!config.memory.enabled) {
    board.off('memory');
    return null;
  }
  const open = async () => {
    const embedder = await loadEmbedder(embeddingModelDir(config, home), log);
    const { LanceMemory } = await import('../actors/memory/lance-memory.js');
    return LanceMemory.open({ dir: join(home, 'memory'), embedder, log, annThreshold: config.memory.annThreshold });
  };
  return new DeferredMemory(() => {
    const opening = board.track('memory', open());
    opening.catch((error: unknown) => log.error('memory could not open; jobs run without it', { error: String(error) }));
    return opening;
  });
}
