import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { ProtocolError } from '../../proto/index.js';

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The first 64-hex-digit word of a `sha256sum`-style sidecar (`HASH  name`), or null. */
export function parseSidecar(text: string): string | null {
  const word = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return SHA256_HEX.test(word) ? word : null;
}

/** Fetches `<url>.sha256`; null when there is none (the download is then unverified, and says so). */
export async function fetchSidecar(url: string, signal?: AbortSignal): Promise<string | null> {
  const sidecar = new URL(url);
  sidecar.pathname += '.sha256';
  sidecar.search = '';
  const response = await fetch(sidecar, signal ? { signal } : {}).catch(() => null);
  if (!response?.ok) return null;
  const hash = parseSidecar(await response.text());
  if (!hash) throw new ProtocolError('bad_request', `${sidecar.href} does not hold a sha256 hash`);
  return hash;
}

/** The sha256 Hugging Face's manifest gives for an `hf:` URI's file (its LFS object id), or null. */
export async function fetchHfManifestSha256(hfEndpoint: string, uri: string, signal?: AbortSignal): Promise<string | null> {
  const match = /^(?:hf:|huggingface:)([^/]+)\/([^/:]+)(?::([^/]+))?$/.exec(uri);
  if (!match) return null;
  const [, user = '', model = '', tag = 'latest'] = match;
  const base = hfEndpoint.endsWith('/') ? hfEndpoint : `${hfEndpoint}/`;
  const url = `${base}v2/${encodeURIComponent(user)}/${encodeURIComponent(model)}/manifests/${encodeURIComponent(tag)}`;
  const response = await fetch(url, { headers: { 'user-agent': 'llama-cpp' }, ...(signal ? { signal } : {}) }).catch(() => null);
  if (!response?.ok) return null;
  const body = (await response.json().catch(() => null)) as { ggufFile?: { lfs?: { sha256?: unknown } } } | null;
  const hash = body?.ggufFile?.lfs?.sha256;
  return typeof hash === 'string' && SHA256_HEX.test(hash) ? hash : null;
}
