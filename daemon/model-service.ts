import { join } from 'node:path';
import { DEFAULT_EMBEDDING_FOLDER, MODEL_ALIASES, type PullModelBody, type PullEvent } from '../proto/index.js';
import { DEFAULT_HF_ENDPOINT, pullModel } from '../actors/models/model-pull.js';
import { EMBEDDING_MODEL, pullModelFolder } from '../actors/models/model-pull-folder.js';
import { listModels, removeModel } from '../actors/models/model-store.js';
import type { ModelService } from './api/models-routes.js';
import type { DaemonConfig } from './config.js';
import { asUnreachableHost, downloadHost } from './unreachable-host.js';

/** Wires the models folder of the config (default HOME/models) to `autodev models` (daemon/api/models-routes.ts). */
export function createModelService(home: string, config: DaemonConfig): ModelService {
  const dir = config.models.dir ?? join(home, 'models');
  const download = async (body: PullModelBody, hfEndpoint: string | undefined, onProgress: (downloadedBytes: number, totalBytes: number) => void, signal: AbortSignal): Promise<PullEvent> => {
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
  };
  return {
    list: async () => ({ dir, models: await listModels(dir) }),
    remove: async (name) => ({ removed: await removeModel(dir, name) }),
    async pull(body: PullModelBody, onProgress, signal): Promise<PullEvent> {
      const hfEndpoint = body.hfEndpoint ?? config.models.hfEndpoint;
      try {
        return await download(body, hfEndpoint, onProgress, signal);
      } catch (error) {
        // There is no pull from a local file: offline, the remedy is to put the file where the daemon reads models.
        const offline =
          body.target === 'embedding'
            ? `Offline, copy the ${DEFAULT_EMBEDDING_FOLDER} folder (a transformers.js model) into ${dir} instead.`
            : `Offline, copy a .gguf file into ${dir} and point a role at it in config.json, e.g. "models": { "worker": { "path": "${join(dir, 'FILE.gguf')}" } }.`;
        throw asUnreachableHost(error, downloadHost(MODEL_ALIASES[body.target] ?? body.target, hfEndpoint ?? DEFAULT_HF_ENDPOINT), offline);
      }
    },
  };
}
