import { gitFs as fs } from './git-fs.js';
import git, { type TreeEntry } from 'isomorphic-git';

type Node = { blob: string } | { dir: Map<string, Node> };

function insert(root: Map<string, Node>, path: string, blob: string): void {
  const parts = path.split('/');
  let level = root;
  for (const part of parts.slice(0, -1)) {
    let next = level.get(part);
    if (!next || !('dir' in next)) {
      next = { dir: new Map() };
      level.set(part, next);
    }
    level = next.dir;
  }
  level.set(parts.at(-1) as string, { blob });
}

async function writeLevel(dir: string, base: string | null, changes: Map<string, Node>): Promise<string> {
  const entries = new Map<string, TreeEntry>();
  if (base) for (const entry of (await git.readTree({ fs, dir, oid: base })).tree) entries.set(entry.path, entry);
  for (const [name, node] of changes) {
    if ('blob' in node) {
      const mode = entries.get(name)?.type === 'blob' ? (entries.get(name) as TreeEntry).mode : '100644';
      entries.set(name, { mode, path: name, oid: node.blob, type: 'blob' });
    } else {
      const existing = entries.get(name);
      const oid = await writeLevel(dir, existing?.type === 'tree' ? existing.oid : null, node.dir);
      entries.set(name, { mode: '040000', path: name, oid, type: 'tree' });
    }
  }
  return git.writeTree({ fs, dir, tree: [...entries.values()] });
}

/**
 * The tree of `baseCommit` with `files` written over it, built from git
 * objects alone: neither the working tree nor the index is touched, so a task
 * branch can be committed while main stays checked out.
 */
export async function treeWithFiles(dir: string, baseCommit: string | null, files: ReadonlyArray<{ path: string; content: string }>): Promise<string> {
  const changes = new Map<string, Node>();
  for (const file of files) {
    const blob = await git.writeBlob({ fs, dir, blob: Buffer.from(file.content, 'utf8') });
    insert(changes, file.path, blob);
  }
  const baseTree = baseCommit ? (await git.readCommit({ fs, dir, oid: baseCommit })).commit.tree : null;
  return writeLevel(dir, baseTree, changes);
}
