import { join } from 'node:path';
import { readFileNoFollow } from '../fs/safe-write.js';
import { listFilesUnder } from './list-files.js';

/**
 * A repository's config and hooks are programs in waiting (core.fsmonitor,
 * core.sshCommand, a post-checkout hook): git runs them for whoever uses the
 * folder next. The exported `.git` is therefore rebuilt from data only:
 * objects, refs, HEAD and the index, with a fresh minimal config and no
 * hooks, whatever the job repository's `.git` holds.
 */
export const FRESH_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n';

const DATA_PATH = /^(objects\/(pack\/[\w.-]+|[0-9a-f]{2}\/[0-9a-f]{38})|refs\/(heads|tags)\/[\w./-]+|packed-refs|index)$/;
const HEAD = /^(ref: refs\/heads\/[\w./-]+|[0-9a-f]{40})\n?$/;

export interface GitDirFile {
  path: string;
  bytes: Uint8Array;
}

/** The files of the exported `.git`, as paths relative to it. */
export async function exportableGitDir(gitDir: string): Promise<GitDirFile[]> {
  const files: GitDirFile[] = [];
  for (const path of await listFilesUnder(gitDir)) {
    if (!DATA_PATH.test(path) || path.split('/').includes('..')) continue;
    const bytes = await readFileNoFollow(join(gitDir, path));
    if (bytes) files.push({ path, bytes });
  }
  const head = (await readFileNoFollow(join(gitDir, 'HEAD')))?.toString('utf8') ?? '';
  files.push({ path: 'HEAD', bytes: Buffer.from(HEAD.test(head) ? head : 'ref: refs/heads/main\n') });
  files.push({ path: 'config', bytes: Buffer.from(FRESH_CONFIG) });
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
