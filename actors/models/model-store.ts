import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { ProtocolError } from '../../proto/index.js';
import { parseSidecar } from './model-checksum.js';

export interface StoredModel {
  name: string;
  path: string;
  kind: 'gguf' | 'folder';
  bytes: number;
  /** From the sidecar written after a verified pull; null for files put there by hand. */
  sha256: string | null;
  /** A download that was interrupted; `pull` resumes it. */
  partial: boolean;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** What the models folder holds: GGUF files, partial downloads and model folders (transformers.js). */
export async function listModels(dir: string): Promise<StoredModel[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const models: StoredModel[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      models.push({ name: entry.name, path, kind: 'folder', bytes: await folderBytes(path), sha256: null, partial: entry.name.endsWith('.partial') });
    } else if (entry.isFile() && (entry.name.endsWith('.gguf') || entry.name.endsWith('.gguf.ipull'))) {
      const partial = entry.name.endsWith('.ipull');
      const sha256 = partial ? null : parseSidecar(await readFile(`${path}.sha256`, 'utf8').catch(() => ''));
      models.push({ name: entry.name, path, kind: 'gguf', bytes: (await stat(path)).size, sha256, partial });
    }
  }
  return models;
}

/** Deletes one model (and its sidecar); refuses names that would leave the models folder. */
export async function removeModel(dir: string, name: string): Promise<StoredModel> {
  const target = resolve(dir, name);
  if (!target.startsWith(resolve(dir) + sep)) throw new ProtocolError('bad_request', `"${name}" is not a name inside ${dir}`);
  const found = (await listModels(dir)).find((m) => m.path === target);
  if (!found) throw new ProtocolError('not_found', `no model "${name}" in ${dir}; see: autodev models list`);
  await rm(target, { recursive: true, force: true });
  await rm(`${target}.sha256`, { force: true });
  return found;
}
