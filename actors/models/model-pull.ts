import { rm, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ProtocolError } from '../../proto/index.js';
import { loadLlamaCpp } from '../llm/llama-cpp.js';
import { settleDownloadedFile } from './download-size.js';
import { countDownloadWrites } from './download-writes.js';
import { fetchHfManifestSha256, fetchSidecar, SHA256_HEX, sha256File } from './model-checksum.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co/';

/** The aliases live in proto/ so the CLI's help can name them without loading the downloader. */
export { MODEL_ALIASES } from '../../proto/index.js';

export interface PullProgress {
  downloadedBytes: number;
  totalBytes: number;
}

export interface PullOptions {
  uri: string;
  dir: string;
  /** Expected sha256; else a `.sha256` sidecar (URLs) or the Hugging Face manifest (`hf:`) supplies it. */
  sha256?: string;
  fileName?: string;
  hfEndpoint?: string;
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
}

export interface PullResult {
  path: string;
  bytes: number;
  sha256: string;
  /** Whether the hash was checked against an expected one, and where that came from. */
  verifiedBy: 'flag' | 'sidecar' | 'manifest' | null;
}

function isHfUri(uri: string): boolean {
  return /^(hf:|huggingface:|hf:\/\/)/.test(uri);
}

/**
 * Downloads a GGUF through node-llama-cpp's downloader (ipull underneath:
 * parallel ranges, and an interrupted download resumes from its temp file),
 * then checks its size against the server's and its sha256. A file whose hash does not match is deleted, so a
 * corrupt model never sits where the daemon would load it.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const expectedFlag = options.sha256?.toLowerCase();
  if (expectedFlag !== undefined && !SHA256_HEX.test(expectedFlag)) {
    throw new ProtocolError('bad_request', `--sha256 must be 64 hex digits, got "${options.sha256}"`);
  }
  const hfEndpoint = options.hfEndpoint ?? DEFAULT_HF_ENDPOINT;
  const { createModelDownloader } = await loadLlamaCpp();
  let downloader;
  try {
    downloader = await createModelDownloader({
      modelUri: options.uri,
      dirPath: options.dir,
      ...(options.fileName ? { fileName: options.fileName } : {}),
      endpoints: { huggingFace: hfEndpoint },
      // Keep the partial file on an interruption: the next pull resumes it.
      deleteTempFileOnCancel: false,
      skipExisting: true,
      ...(options.onProgress
        ? { onProgress: (s: { downloadedSize: number; totalSize: number }) => options.onProgress?.({ downloadedBytes: s.downloadedSize, totalBytes: s.totalSize }) }
        : {}),
    });
  } catch (error) {
    throw new ProtocolError('bad_request', `cannot download ${options.uri}: ${(error as Error).message}`, undefined, { cause: error });
  }
  let expected: string | null = expectedFlag ?? null;
  let verifiedBy: PullResult['verifiedBy'] = expected ? 'flag' : null;
  if (!expected && isHfUri(options.uri)) {
    expected = await fetchHfManifestSha256(hfEndpoint, options.uri, options.signal);
    if (expected) verifiedBy = 'manifest';
  } else if (!expected && /^https?:\/\//.test(options.uri)) {
    expected = await fetchSidecar(options.uri, options.signal);
    if (expected) verifiedBy = 'sidecar';
  }
  let path: string;
  // The abort is handled here, not by download({ signal }), which starts the cancel without awaiting it: an
  // interrupted pull returns only once ipull has closed the file and no write of its is in flight (download-writes.ts).
  const writes = countDownloadWrites(downloader);
  let closing: Promise<void> | null = null;
  const onAbort = () => {
    closing = downloader.cancel({ deleteTempFile: false });
  };
  try {
    options.signal?.throwIfAborted();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    path = await downloader.download();
    // A cancelled ipull download can resolve instead of rejecting; the file is then incomplete.
    options.signal?.throwIfAborted();
  } catch (error) {
    if (options.signal?.aborted) {
      await (closing ?? downloader.cancel({ deleteTempFile: false })).catch(() => undefined);
      await writes.settled();
      throw new ProtocolError('cancelled', `download of ${options.uri} interrupted; run the same pull again to resume`, undefined, { cause: error });
    }
    throw new ProtocolError('model_unavailable', `download of ${options.uri} failed: ${(error as Error).message}; run the same pull again to resume`, undefined, { cause: error });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  // ipull can leave its progress record appended to a finished file; size every file before hashing.
  for (const file of downloader.filesInfo) await settleDownloadedFile(file.filePath, file.totalSize);
  const actual = await sha256File(path);
  if (expected && actual !== expected) {
    await rm(path, { force: true });
    throw new ProtocolError(
      'checksum_mismatch',
      `checksum mismatch for ${basename(path)}: expected sha256 ${expected}, got ${actual}; the file was deleted. Check the URI and the hash, then pull again.`,
      { expected, actual },
    );
  }
  await writeFile(`${path}.sha256`, `${actual}  ${basename(path)}\n`);
  return { path, bytes: downloader.totalSize, sha256: actual, verifiedBy };
}
