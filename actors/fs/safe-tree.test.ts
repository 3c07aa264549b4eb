import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { copyTree, removeTree, TreeBoundError, TreeError } from './safe-tree.js';

const asRoot = process.geteuid?.() === 0;
const dirs: string[] = [];
const temp = (name: string) => {
  const dir = mkdtempSync(join(tmpdir(), `autodev-safe-tree-${name}-`));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A folder outside the tree with files that no removal or copy of the tree may touch. */
function canaries(): { dir: string; intact: () => boolean } {
  const dir = temp('canary');
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `canary-${i}`), `canary ${i}`);
  return { dir, intact: () => readdirSync(dir).length === 5 && readFileSync(join(dir, 'canary-0'), 'utf8') === 'canary 0' };
}

/** A tree a sandbox could leave: nested folders and files, links to the canaries at the top and deep down, a pipe. */
function hostileTree(outside: string): string {
  const root = join(temp('tree'), 'tree');
  mkdirSync(join(root, 'a', 'b', 'c'), { recursive: true });
  writeFileSync(join(root, 'top.txt'), 'top');
  writeFileSync(join(root, 'a', 'b', 'c', 'deep.txt'), 'deep');
  writeFileSync(join(root, 'a', 'run.sh'), '#!/bin/sh\n', { mode: 0o4775 });
  symlinkSync(outside, join(root, 'link-to-outside'));
  symlinkSync(outside, join(root, 'a', 'b', 'nested-link'));
  symlinkSync(join(outside, 'canary-0'), join(root, 'a', 'file-link'));
  symlinkSync('deep.txt', join(root, 'a', 'b', 'c', 'relative-link'));
  execFileSync('mkfifo', [join(root, 'a', 'pipe')]);
  return root;
}

describe('removeTree', () => {
  it('removes the tree and its symlinks as links, never what they point to', async () => {
    const canary = canaries();
    const root = hostileTree(canary.dir);
    await removeTree(root);
    expect(existsSync(root)).toBe(false);
    expect(canary.intact()).toBe(true);
  });

  it('removes a symlink given as the top as a link, and takes a missing path as done', async () => {
    const canary = canaries();
    const link = join(temp('top-link'), 'work');
    symlinkSync(canary.dir, link);
    await removeTree(link);
    expect(lstatSync(link, { throwIfNoEntry: false })).toBeUndefined();
    expect(canary.intact()).toBe(true);
    await expect(removeTree(join(temp('missing'), 'nothing', 'here'))).resolves.toBeUndefined();
  });

  it('removes folders left with mode 000 and 0500 by its own uid when it is not root', async () => {
    const base = temp('locked');
    const root = join(base, 'tree');
    mkdirSync(join(root, 'shut', 'inner'), { recursive: true });
    mkdirSync(join(root, 'read-only'));
    writeFileSync(join(root, 'shut', 'inner', 'f'), 'x');
    writeFileSync(join(root, 'read-only', 'g'), 'y');
    chmodSync(join(root, 'shut', 'inner'), 0o000);
    chmodSync(join(root, 'shut'), 0o000);
    chmodSync(join(root, 'read-only'), 0o500);
    if (!asRoot) {
      await removeTree(root);
    } else {
      // As root modes never stand in the way, so the daemon's non-root case is played with the effective uid of nobody.
      execFileSync('chown', ['-R', '65534:65534', base]);
      await asNobody(() => removeTree(root));
    }
    expect(existsSync(root)).toBe(false);
  });

  it('refuses to go into a mount inside the tree, and leaves the mounted folder whole', async (context) => {
    if (!asRoot) return context.skip('bind mounts need root');
    const canary = canaries();
    const root = join(temp('mounted'), 'tree');
    const point = join(root, 'sub', 'mnt');
    mkdirSync(point, { recursive: true });
    execFileSync('mount', ['--bind', canary.dir, point]);
    try {
      const removal = removeTree(root);
      await expect(removal).rejects.toThrow(TreeError);
      await expect(removal).rejects.toMatchObject({ reason: 'tree_mount', message: expect.stringContaining('sub/mnt') });
      await expect(copyTree(root, join(temp('copy-mounted'), 'copy'))).rejects.toMatchObject({ reason: 'tree_mount' });
      expect(canary.intact()).toBe(true);
    } finally {
      execFileSync('umount', [point]);
    }
    await removeTree(root);
    expect(existsSync(root)).toBe(false);
    expect(canary.intact()).toBe(true);
  });

  it('gives up with a clear error while writers keep refilling the tree, instead of looping', async () => {
    const root = join(temp('live'), 'tree');
    mkdirSync(root, { recursive: true });
    const top = JSON.stringify(root);
    // Each writer keeps 50 chains of 8 folders in place, making each again as soon as the removal takes it away: a chain is
    // one call to make and eight folders to open, empty and remove in turn, so the removal never finds the tree empty.
    // The writers stop on their own after 25 s, should this test be cut short.
    const script = (w: number) =>
      `const fs=require('fs');const end=Date.now()+25000;while(Date.now()<end)for(let i=0;i<50;i++)try{fs.mkdirSync(${top}+'/w${w}-'+i+'/a/b/c/d/e/f/g',{recursive:true})}catch{}`;
    const writers = [0, 1].map((w) => spawn(process.execPath, ['-e', script(w)], { stdio: 'ignore' }));
    try {
      // Both writers at work (starting node takes a while on a busy machine) before the removal begins.
      for (let waited = 0; readdirSync(root).length < 100 && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      await expect(removeTree(root)).rejects.toMatchObject({ reason: 'tree_changing', message: expect.stringContaining('kept reappearing') });
    } finally {
      for (const writer of writers) writer.kill('SIGKILL');
    }
    await Promise.all(writers.map((writer) => (writer.exitCode !== null || writer.signalCode !== null ? undefined : new Promise((r) => writer.once('exit', r)))));
    await removeTree(root);
    expect(existsSync(root)).toBe(false);
  }, 30_000);
});

describe('copyTree', () => {
  it('copies files by content, recreates links as links, leaves pipes out and masks modes', async () => {
    const canary = canaries();
    const root = hostileTree(canary.dir);
    const copy = join(temp('copy'), 'copy');
    await copyTree(root, copy);
    expect(readFileSync(join(copy, 'a', 'b', 'c', 'deep.txt'), 'utf8')).toBe('deep');
    expect(readlinkSync(join(copy, 'link-to-outside'))).toBe(canary.dir);
    expect(lstatSync(join(copy, 'a', 'b', 'nested-link')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(copy, 'a', 'b', 'c', 'relative-link'))).toBe('deep.txt');
    expect(existsSync(join(copy, 'a', 'pipe'))).toBe(false);
    // setuid and group write go; the exec bits stay.
    expect(lstatSync(join(copy, 'a', 'run.sh')).mode & 0o7777).toBe(0o755);
    expect(lstatSync(join(copy, 'a', 'run.sh')).nlink).toBe(1);
    expect(canary.intact()).toBe(true);
    expect(readdirSync(canary.dir)).toHaveLength(5);
  });

  it('skips by relative path, and refuses a symlink as its source or an existing target', async () => {
    const canary = canaries();
    const root = hostileTree(canary.dir);
    const copy = join(temp('skip'), 'copy');
    const seen: string[] = [];
    await copyTree(root, copy, { skip: (path) => (seen.push(path), path === 'a/b' || path === 'top.txt') });
    expect(seen).toContain('a/b');
    expect(seen).not.toContain('a/b/c');
    expect(existsSync(join(copy, 'a', 'b'))).toBe(false);
    expect(existsSync(join(copy, 'top.txt'))).toBe(false);
    expect(existsSync(join(copy, 'a', 'run.sh'))).toBe(true);

    const linked = join(temp('linked-source'), 'app');
    symlinkSync(root, linked);
    await expect(copyTree(linked, join(temp('from-link'), 'copy'))).rejects.toMatchObject({ reason: 'tree_not_folder' });
    await expect(copyTree(root, copy)).rejects.toMatchObject({ reason: 'tree_exists' });
  });

  it('stops at its bounds with an error naming the bound, and leaves no partial copy', async () => {
    const root = join(temp('big'), 'tree');
    mkdirSync(root);
    for (let i = 0; i < 20; i++) writeFileSync(join(root, `f${i}`), Buffer.alloc(1000));
    const entries = join(temp('entries'), 'copy');
    const tooMany = copyTree(root, entries, { maxEntries: 10 });
    await expect(tooMany).rejects.toBeInstanceOf(TreeBoundError);
    await expect(tooMany).rejects.toMatchObject({ bound: 'maxEntries', message: expect.stringContaining('more than 10 entries (maxEntries)') });
    expect(existsSync(entries)).toBe(false);
    const bytes = join(temp('bytes'), 'copy');
    await expect(copyTree(root, bytes, { maxBytes: 5000 })).rejects.toMatchObject({ bound: 'maxBytes', message: expect.stringContaining('maxBytes') });
    expect(existsSync(bytes)).toBe(false);
    await copyTree(root, bytes, { maxEntries: 20, maxBytes: 20_000 });
    expect(readdirSync(bytes)).toHaveLength(20);
  });

  it('copies many files at once and still copies every one whole, in every folder, with the links as links', async () => {
    // More files than copies run at once, at several depths, with a link among them: what parallel copying must not lose.
    const root = join(temp('many'), 'tree');
    const expected = new Map<string, string>();
    for (const folder of ['', 'a', 'a/b', 'a/b/c', 'd']) {
      mkdirSync(join(root, folder), { recursive: true });
      for (let i = 0; i < 25; i++) {
        const path = folder ? `${folder}/f${i}.txt` : `f${i}.txt`;
        const content = `${path} `.repeat(200 + i * 37);
        writeFileSync(join(root, path), content);
        expected.set(path, content);
      }
    }
    symlinkSync('f0.txt', join(root, 'a', 'b', 'link'));
    const copy = join(temp('many-copy'), 'copy');
    await copyTree(root, copy);
    for (const [path, content] of expected) expect(readFileSync(join(copy, path), 'utf8'), path).toBe(content);
    expect(readlinkSync(join(copy, 'a', 'b', 'link'))).toBe('f0.txt');
    expect(readdirSync(join(copy, 'a', 'b')).filter((n) => n.endsWith('.txt'))).toHaveLength(25);
  });
});

/** Runs `body` with the effective uid and gid of nobody, as a daemon that is not root would. */
async function asNobody<T>(body: () => Promise<T>): Promise<T> {
  process.setegid?.(65534);
  process.seteuid?.(65534);
  try {
    return await body();
  } finally {
    process.seteuid?.(0);
    process.setegid?.(0);
  }
}
