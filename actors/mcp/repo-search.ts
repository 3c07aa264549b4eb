import { constants } from 'node:fs';
import { open, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface RepoHit {
  jobId: string;
  path: string;
  line: number;
  text: string;
}

const SKIP = new Set(['.git', 'node_modules', 'dist', '.autodev']);
const MAX_FILE_BYTES = 512 * 1024;

/** Plain-text search over the working trees of every job's repository (`<jobsDir>/<id>/repo`). */
export async function searchJobRepositories(jobsDir: string, query: string, options: { maxResults: number; caseSensitive: boolean }): Promise<{ hits: RepoHit[]; truncated: boolean }> {
  const needle = options.caseSensitive ? query : query.toLowerCase();
  const hits: RepoHit[] = [];
  const jobIds = (await readdir(jobsDir).catch(() => [] as string[])).sort();
  for (const jobId of jobIds) {
    const root = join(jobsDir, jobId, 'repo');
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop() as string;
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        if (SKIP.has(entry.name)) continue;
        const full = join(dir, entry.name);
        // Dirents, not stat: symlinks are neither followed nor searched.
        if (entry.isDirectory()) stack.push(full);
        else if (entry.isFile()) {
          const text = await readPlainFile(full);
          if (text === null || text.includes('\0')) continue;
          const lines = text.split('\n');
          for (let i = 0; i < lines.length; i++) {
            const line = lines[i] as string;
            if ((options.caseSensitive ? line : line.toLowerCase()).includes(needle)) {
              hits.push({ jobId, path: relative(root, full).split('\\').join('/'), line: i + 1, text: line.slice(0, 300) });
              if (hits.length >= options.maxResults) return { hits, truncated: true };
            }
          }
        }
      }
    }
  }
  return { hits, truncated: false };
}

/**
 * The file's text, or null when it is not a small regular file. Opened with
 * O_NOFOLLOW: sandboxed code can swap a file for a symlink between the
 * listing and the read, and the search must not follow it out of the tree.
 */
async function readPlainFile(path: string): Promise<string | null> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!handle) return null;
  try {
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > MAX_FILE_BYTES) return null;
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
