import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { gitFs as fs } from '../git/git-fs.js';
import { withRepoLock } from '../git/repo.js';
import { refNameProblem } from './git-ref-name.js';
import { RefResolver } from './git-ref-resolver.js';

/** The remote name under which an outside clone sees the job's branches: `job/main`. */
export const JOB_REMOTE = 'job';

const LOOSE_DIR = /^[0-9a-f]{2}$/;
const LOOSE_FILE = /^[0-9a-f]{38}$/;
const PACK_FILE = /^pack-[0-9a-f]{40}\.(pack|idx)$/;

/**
 * One writer per job repository: only the integration engine writes the
 * job's `repo`. Outside MCP clients (HTTP and `autodev mcp serve`) work on
 * their own clone, `jobs/<id>/outside`, with its own branches, index and
 * working tree. Syncing copies the job's new objects in and points
 * `refs/remotes/job/<branch>` at the job's branches; it never touches the
 * clone's own branches or files after the first checkout, and never copies
 * the job's `.git/config` or hooks (objects are content-addressed data; a
 * config or hook is code git would run).
 */
export function syncOutsideClone(jobRepo: string, clone: string): Promise<{ created: boolean }> {
  return withRepoLock(clone, async () => {
    const created = !(await isDirectory(join(clone, '.git')));
    if (created) {
      await mkdir(clone, { recursive: true });
      await git.init({ fs, dir: clone, defaultBranch: 'main' });
    }
    if (!(await isDirectory(join(jobRepo, '.git')))) return { created };
    await copyObjects(join(jobRepo, '.git', 'objects'), join(clone, '.git', 'objects'));
    const branches = await trackJobBranches(jobRepo, clone);
    if ((await new RefResolver(clone).head()) === null) {
      // Until the clone has a commit of its own: it starts on the job's current branch, checked out.
      const start = (await new RefResolver(jobRepo).currentBranch()) ?? 'main';
      const oid = branches.get(start);
      if (oid) {
        await git.writeRef({ fs, dir: clone, ref: `refs/heads/${start}`, value: oid, force: true });
        await git.writeRef({ fs, dir: clone, ref: 'HEAD', value: `refs/heads/${start}`, symbolic: true, force: true });
        await git.checkout({ fs, dir: clone, ref: start, force: true });
      }
    }
    return { created };
  });
}

/** Points refs/remotes/job/* at the job's branches (and drops ones the job no longer has); returns them. */
async function trackJobBranches(jobRepo: string, clone: string): Promise<Map<string, string>> {
  const job = new RefResolver(jobRepo);
  const branches = new Map<string, string>();
  for (const name of await git.listBranches({ fs, dir: jobRepo })) {
    if (refNameProblem(name) !== null) continue;
    const oid = await job.branch(name, 'job branch').catch(() => null);
    if (!oid) continue;
    branches.set(name, oid);
    await git.writeRef({ fs, dir: clone, ref: `refs/remotes/${JOB_REMOTE}/${name}`, value: oid, force: true });
  }
  for (const name of await git.listBranches({ fs, dir: clone, remote: JOB_REMOTE })) {
    if (!branches.has(name) && refNameProblem(name) === null) await git.deleteRef({ fs, dir: clone, ref: `refs/remotes/${JOB_REMOTE}/${name}` });
  }
  return branches;
}

/** Copies the object files the clone lacks; objects never change once written, so a present file is up to date. */
async function copyObjects(from: string, to: string): Promise<void> {
  if (!(await isDirectory(from))) return;
  for (const dir of await listNames(from)) {
    // A symlinked fan-out folder would make the copy read some other folder of the host.
    if (LOOSE_DIR.test(dir) && (await isDirectory(join(from, dir)))) {
      for (const file of await listNames(join(from, dir))) {
        if (LOOSE_FILE.test(file)) await copyIfMissing(join(from, dir, file), join(to, dir, file), join(to, dir));
      }
    }
  }
  if (!(await isDirectory(join(from, 'pack')))) return;
  for (const file of await listNames(join(from, 'pack'))) {
    if (PACK_FILE.test(file)) await copyIfMissing(join(from, 'pack', file), join(to, 'pack', file), join(to, 'pack'));
  }
}

/** Copies one regular file, never through a symlink, and never over an existing file. */
async function copyIfMissing(source: string, target: string, targetDir: string): Promise<void> {
  if (await lstat(target).catch(() => null)) return;
  const input = await open(source, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(() => null);
  if (!input) return;
  try {
    if (!(await input.stat()).isFile()) return;
    const data = await input.readFile();
    await mkdir(targetDir, { recursive: true });
    // Written under a temporary name, then renamed into place: a reader never sees half an object.
    const partial = `${target}.${process.pid}-${randomUUID()}.partial`;
    const output = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o444);
    try {
      await output.writeFile(data);
    } finally {
      await output.close();
    }
    await fs.promises.rename(partial, target);
  } finally {
    await input.close();
  }
}

async function listNames(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}

async function isDirectory(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => null))?.isDirectory() ?? false;
}
