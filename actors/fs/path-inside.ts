import { isAbsolute, relative } from 'node:path';

/** True when `target` is `root` or lies below it, by path alone (resolve symlinks first where they matter). */
export function isPathInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}
