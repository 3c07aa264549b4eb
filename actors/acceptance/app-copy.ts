import { lstat } from 'node:fs/promises';
import { ProtocolError } from '../../proto/index.js';
import { copyTree, TreeBoundError } from '../fs/safe-tree.js';
import { RUNNER_DIR } from './runner-protocol.js';

/** Not copied: history, installed packages (installed afresh in the sandbox), and a runner left by an earlier run. */
const SKIPPED = new Set(['.git', 'node_modules', RUNNER_DIR]);
const MAX_ENTRIES = 50_000;

/**
 * Copies the app into a private folder, so installing, building and running
 * it never changes the user's tree. The app's tree is one generated code
 * wrote and may have run in, so the copy walks it by descriptor (see
 * safe-tree.ts): symbolic links are copied as links, never followed, even
 * one swapped in mid-copy; sockets, pipes and devices are left out.
 */
export async function copyApp(appDir: string, target: string): Promise<void> {
  const info = await lstat(appDir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ProtocolError('bad_request', `${appDir} is not a folder: give the folder that holds the app (its package.json)`, { field: 'appDir' });
  }
  try {
    await copyTree(appDir, target, { skip: (path) => path.split('/').some((part) => SKIPPED.has(part)), maxEntries: MAX_ENTRIES });
  } catch (error) {
    if (error instanceof TreeBoundError && error.bound === 'maxEntries') {
      throw new ProtocolError('bad_request', `${appDir} holds more than ${MAX_ENTRIES} files (node_modules and .git excluded); is it the app's folder?`, { field: 'appDir' });
    }
    throw error;
  }
}
