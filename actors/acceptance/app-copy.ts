import { cp, lstat } from 'node:fs/promises';
import { basename, relative, sep } from 'node:path';
import { ProtocolError } from '../../proto/index.js';
import { RUNNER_DIR } from './runner-protocol.js';

/** Not copied: history, installed packages (installed afresh in the sandbox), and a runner left by an earlier run. */
const SKIPPED = new Set(['.git', 'node_modules', RUNNER_DIR]);
const MAX_ENTRIES = 50_000;

/**
 * Copies the app into a private folder, so installing, building and running
 * it never changes the user's tree. Symbolic links are copied as links, never
 * followed: one pointing outside the app would otherwise copy what it points
 * at. Sockets, pipes and devices are left out.
 */
export async function copyApp(appDir: string, target: string): Promise<void> {
  const info = await lstat(appDir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ProtocolError('bad_request', `${appDir} is not a folder: give the folder that holds the app (its package.json)`, { field: 'appDir' });
  }
  let entries = 0;
  await cp(appDir, target, {
    recursive: true,
    dereference: false,
    verbatimSymlinks: true,
    errorOnExist: true,
    filter: async (source) => {
      const rel = relative(appDir, source);
      if (rel && rel.split(sep).some((part) => SKIPPED.has(part))) return false;
      if (++entries > MAX_ENTRIES) {
        throw new ProtocolError('bad_request', `${appDir} holds more than ${MAX_ENTRIES} files (node_modules and .git excluded); is it the app's folder?`, { field: 'appDir' });
      }
      const entry = await lstat(source);
      return entry.isFile() || entry.isDirectory() || entry.isSymbolicLink() || basename(source) === '';
    },
  });
}
