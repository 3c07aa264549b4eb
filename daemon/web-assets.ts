import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where scripts/build-web.ts put the page: `<package>/dist/web`. This module
 * runs from dist/daemon/ when built and from daemon/ under vitest; both find
 * the same folder.
 */
export function webAssetsDir(): string {
  const above = dirname(dirname(fileURLToPath(import.meta.url)));
  return basename(above) === 'dist' ? join(above, 'web') : join(above, 'dist', 'web');
}
