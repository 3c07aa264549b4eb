import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_EMBEDDING_FOLDER, EMBEDDING_MODEL_REPO, ProtocolError } from '../../proto/index.js';
import { loadLlamaCpp } from '../llm/llama-cpp.js';
import { settleDownloadedFile } from './download-size.js';
import { DEFAULT_HF_ENDPOINT, type PullProgress } from './model-pull.js';

/** A transformers.js model folder on Hugging Face: the files the feature-extraction pipeline reads. */
export interface FolderModel {
  repo: string;
  folder: string;
  files: readonly string[];
}

export const EMBEDDING_MODEL: FolderModel = {
  repo: EMBEDDING_MODEL_REPO,
  folder: DEFAULT_EMBEDDING_FOLDER,
  files: ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/model_quantized.onnx'],
};

export interface FolderPullOptions {
  model: FolderModel;
  dir: string;
  hfEndpoint?: string;
  onProgress?: (progress: PullProgress & { file: string }) => void;
  signal?: AbortSignal;
}

/**
 * Downloads a model folder file by file (node-llama-cpp's downloader, so each
 * file resumes) into `<folder>.partial`, and renames it into place only when
 * every file is there: the memory system never sees half a model.
 */
export async function pullModelFolder(options: FolderPullOptions): Promise<{ path: string; bytes: number; files: string[] }> {
  const { model } = options;
  const base = (options.hfEndpoint ?? DEFAULT_HF_ENDPOINT).replace(/\/?$/, '/');
  const target = join(options.dir, model.folder);
  const staging = `${target}.partial`;
  const { createModelDownloader } = await loadLlamaCpp();
  let bytes = 0;
  for (const file of model.files) {
    const url = `${base}${model.repo}/resolve/main/${file}`;
    const path = join(staging, file);
    await mkdir(dirname(path), { recursive: true });
    try {
      const downloader = await createModelDownloader({
        modelUri: url,
        dirPath: dirname(path),
        fileName: file.split('/').at(-1) ?? file,
        deleteTempFileOnCancel: false,
        ...(options.onProgress ? { onProgress: (s: { downloadedSize: number; totalSize: number }) => options.onProgress?.({ file, downloadedBytes: s.downloadedSize, totalBytes: s.totalSize }) } : {}),
      });
      await downloader.download(options.signal ? { signal: options.signal } : {});
      options.signal?.throwIfAborted();
      // These files carry no checksum, so a progress record ipull left appended would go unnoticed.
      bytes += await settleDownloadedFile(path, downloader.totalSize);
    } catch (error) {
      if (options.signal?.aborted) throw new ProtocolError('cancelled', `download of ${model.repo} interrupted; run the same pull again to resume`, undefined, { cause: error });
      if (error instanceof ProtocolError) throw error;
      throw new ProtocolError('model_unavailable', `cannot download ${url}: ${(error as Error).message}; run the same pull again to resume`, undefined, { cause: error });
    }
  }
  await rm(target, { recursive: true, force: true });
  await rename(staging, target);
  return { path: target, bytes, files: [...model.files] };
}
