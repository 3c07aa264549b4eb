import { join } from 'node:path';
import { MODEL_ALIASES, type PullModelBody, type PullEvent } from '../proto/index.js';
import { pullModel } from '../actors/models/model-pull.js';
import { EMBEDDING_MODEL, pullModelFolder } from '../actors/models/model-pull-folder.js';
import { listModels, removeModel } from '../actors/models/model-store.js';
import type { ModelService } from './api/models-routes.js';
import type { DaemonConfig } from './config.js';

/** Wires the models folder of the config (default HOME/models) to `autodev models` (daemon/api/models-routes.ts). */
export function createModelService(home: string, config: DaemonConfig): ModelService {
  const dir = config.models.dir ?? join(home, 'models');
  return {
    list: async () => ({ dir, models: await listModels(dir) }),
    remove: async (name) => ({ removed: await removeModel(dir, name) }),
    async pull(body: PullModelBody, onProgress, signal): Promise<PullEvent> {
      const hfEndpoint = body.hfEndpoint ?? config.models.hfEndpoint;
      const progress = (p: { downloadedBytes: number; totalBytes: number }) => onProgress(p.downloadedBytes, p.totalBytes);
      if (body.target === 'embedding') {
        const folder = await pullModelFolder({ model: EMBEDDING_MODEL, dir, onProgress: progress, signal, ...(hfEndpoint ? { hfEndpoint } : {}) });
        return { type: 'pulled_folder', folder };
      }
      const model = await pullModel({
        uri: MODEL_ALIASES[body.target] ?? body.target,
        dir,
        onProgress: progress,
        signal,
        ...(body.sha256 !== undefined ? { sha256: body.sha256 } : {}),
        ...(body.name !== undefined ? { fileName: body.name } : {}),
        ...(hfEndpoint ? { hfEndpoint } : {}),
      });
      return { type: 'pulled', model };
    },
  };
}
