import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readFileNoFollow } from '../fs/safe-write.js';

export interface WorkspaceFile {
  /** Relative to the workspace, with forward slashes. */
  path: string;
  content: string;
}

/** Folders that hold tools' output or other people's code, never the project's own source. */
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'build', 'coverage', '.next', 'out', 'android', 'ios']);
const MAX_FILE_BYTES = 512 * 1024;
const MAX_FILES = 5000;

/** The project's text files, read once so every in-process stage sees the same tree. */
export async function readWorkspaceFiles(root: string): Promise<WorkspaceFile[]> {
  const files: WorkspaceFile[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      if (files.length >= MAX_FILES) return;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(full);
        continue;
      }
      if (!entry.isFile()) continue;
      // Not followed even if a sandboxed run swapped the file for a symlink since readdir: a host file never becomes project text.
      const bytes = await readFileNoFollow(full);
      if (!bytes || bytes.byteLength > MAX_FILE_BYTES) continue;
      const content = bytes.toString('utf8');
      if (content.includes('\u0000')) continue;
      files.push({ path: relative(root, full).split('\\').join('/'), content });
    }
  };
  await walk(root);
  return files;
}

const SCRIPT_RE = /\.(m|c)?(t|j)sx?$/i;
const DECLARATION_RE = /\.d\.(m|c)?ts$/i;

export function isScript(path: string): boolean {
  return SCRIPT_RE.test(path) && !DECLARATION_RE.test(path);
}

export function isTestFile(path: string): boolean {
  return /(^|\/)(test|tests|__tests__)\//.test(path) || /\.(test|spec)\.(m|c)?(t|j)sx?$/i.test(path);
}

export function isIntegrationTestFile(path: string): boolean {
  return isTestFile(path) && /(integration|e2e|\.int\.)/i.test(path);
}
