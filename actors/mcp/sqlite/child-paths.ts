import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the built child script and the guard library are. Both live under
 * dist/ (tsc and scripts/setup.sh build them), also when this module runs
 * from source under vitest: the child must run as plain JavaScript.
 */
export interface ChildPaths {
  script: string;
  guard: string;
}

export function defaultChildPaths(from: string = fileURLToPath(import.meta.url)): ChildPaths {
  const root = packageRoot(from);
  const builtDir = from.endsWith('.js') ? dirname(from) : join(root, 'dist', relative(root, dirname(from)));
  return { script: join(builtDir, 'child.js'), guard: join(root, 'dist', 'native', 'sqlite-guard.so') };
}

function packageRoot(from: string): string {
  let dir = dirname(from);
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'native'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the autodev package root above ${from}`);
    dir = parent;
  }
  return dir;
}
