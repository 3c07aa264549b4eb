import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileNoFollow } from '../../fs/safe-write.js';

export const MAX_RULE_FILE_BYTES = 2 * 1024 * 1024;

export type TreeFile =
  | { kind: 'file'; bytes: Buffer }
  | { kind: 'missing' }
  /** `at` is the path's own prefix that is a link: a name from the rule, never the link's target. */
  | { kind: 'link'; at: string }
  | { kind: 'not_file' }
  | { kind: 'too_large'; bytes: number };

/**
 * Reads `path` inside the candidate tree without following a symbolic link
 * at any component: generated code that ran in the tree may have put one
 * there, pointing at a host file. Every folder on the way is checked with
 * lstat, and the file itself is opened with O_NOFOLLOW, so a link swapped in
 * at the last moment is refused too. The rule paths were checked for `..`
 * and absolute forms when the rule was parsed.
 */
export async function readTreeFile(workspace: string, path: string): Promise<TreeFile> {
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i += 1) {
    const prefix = segments.slice(0, i + 1).join('/');
    const info = await lstat(join(workspace, prefix)).catch(() => null);
    if (!info) return { kind: 'missing' };
    if (info.isSymbolicLink()) return { kind: 'link', at: prefix };
    const leaf = i === segments.length - 1;
    if (!leaf && !info.isDirectory()) return { kind: 'missing' };
    if (leaf && !info.isFile()) return { kind: 'not_file' };
    if (leaf && info.size > MAX_RULE_FILE_BYTES) return { kind: 'too_large', bytes: info.size };
  }
  const bytes = await readFileNoFollow(join(workspace, path));
  // Null here means the file changed kind since lstat: a link or folder raced in.
  if (!bytes) return { kind: 'link', at: path };
  if (bytes.byteLength > MAX_RULE_FILE_BYTES) return { kind: 'too_large', bytes: bytes.byteLength };
  return { kind: 'file', bytes };
}

/** Why a file rule could not read its file, in words naming only the rule's path. */
export function unreadable(path: string, file: Exclude<TreeFile, { kind: 'file' }>): string {
  switch (file.kind) {
    case 'missing':
      return `${path} does not exist`;
    case 'link':
      return file.at === path
        ? `${path} is a symbolic link, which is never followed; commit the file itself`
        : `${path} is under ${file.at}, a symbolic link, which is never followed; commit the folder itself`;
    case 'not_file':
      return `${path} is not a regular file`;
    case 'too_large':
      return `${path} is ${file.bytes} bytes, over the ${MAX_RULE_FILE_BYTES}-byte limit for a checked file`;
  }
}
