import { mkdir, mkdtemp, realpath, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { isPathInside } from '../actors/fs/path-inside.js';
import { copyTree, removeTree, TreeError } from '../actors/fs/safe-tree.js';
import { SandboxError } from '../actors/sandbox/errors.js';
import { handOverWorkspace, sandboxUserFor } from '../actors/sandbox/sandbox-user.js';
import { writeBackChanges, type WriteBackReport } from '../actors/sandbox/write-back.js';

/**
 * The folder an API caller names for `POST /sandbox/run` is never run in:
 * a root daemon would have to hand it to the sandbox user for good (issue
 * 19: `--workspace /etc`), and the run could leave links and setuid files
 * there. It is copied into a private scratch folder under the daemon's home
 * (a tree the daemon made, so handing that over is allowed), the command
 * runs in the copy, and the copy's changes reach the folder only when asked
 * for, through writeBackChanges. The daemon's home itself (its token, jobs
 * and state) is never a workspace, nor copied into one.
 */
export interface RunWorkspace {
  /** The user's folder, symlinks resolved: where a write-back goes. */
  source: string;
  /** The private copy the command runs in. */
  copy: string;
  writeBack(): Promise<WriteBackReport>;
  /** Removes the copy; safe while something the run left still writes there. */
  release(): Promise<void>;
}

/** Bounds on the copy in and on a write-back, so one run cannot fill the home's disk from a huge folder. */
export const WORKSPACE_COPY_LIMITS = { maxEntries: 200_000, maxBytes: 2 * 1024 ** 3 };

/** Where each run's copy lives; a daemon killed mid-run leaves copies here, removed on the next start's first run. */
export const sandboxRunsDir = (home: string) => join(home, 'sandbox', 'runs');

const NEVER_WRITTEN_BACK = 'git metadata is never written back: hooks and config there would run on your machine';

export async function copyInWorkspace(home: string, requested: string): Promise<RunWorkspace> {
  const source = await realpath(requested).catch(() => undefined);
  const info = source ? await stat(source) : undefined;
  if (!source || !info?.isDirectory()) {
    throw new SandboxError('sandbox_bad_request', `workspace ${requested} is not a folder: create it first, or pass another --workspace`);
  }
  const realHome = await realpath(home);
  if (isPathInside(realHome, source)) {
    throw new SandboxError(
      'sandbox_bad_request',
      `workspace ${requested} is inside autodevd's home ${home}, which holds its API token, jobs and state: the sandbox never runs there. Pass a project folder outside ${home}.`,
    );
  }
  // A workspace that contains the home (`--workspace ~`) is copied without it, and nothing is ever written back into it.
  const homeInside = isPathInside(source, realHome) ? relative(source, realHome) : undefined;
  const isHome = (path: string) => homeInside !== undefined && (path === homeInside || path.startsWith(`${homeInside}/`));
  const runs = sandboxRunsDir(home);
  await mkdir(runs, { recursive: true, mode: 0o700 });
  const scratch = await mkdtemp(join(runs, 'run-'));
  const copy = join(scratch, 'workspace');
  try {
    await copyTree(source, copy, { skip: isHome, ...WORKSPACE_COPY_LIMITS }).catch((error: unknown) => {
      if (!(error instanceof TreeError)) throw error;
      throw new SandboxError('sandbox_bad_request', `could not copy workspace ${source} for the sandbox: ${error.message}. Pass a smaller project folder.`, { cause: error });
    });
    const user = sandboxUserFor(info, false);
    // Our own copy, so it may change hands: the run gets the user the folder's owner would have run as (nobody for root).
    if (process.getuid?.() === 0) await handOverWorkspace(copy, user.uid, user.gid, new Set(), [home]);
  } catch (error) {
    await removeTree(scratch).catch(() => undefined);
    throw error;
  }
  return {
    source,
    copy,
    writeBack: () =>
      writeBackChanges(copy, source, {
        refuse: (path) => (path.split('/').includes('.git') ? NEVER_WRITTEN_BACK : isHome(path) ? "autodevd's home is never written to by a run" : undefined),
        // A root daemon writing into a user's folder leaves new files that user's, as if they had written them.
        ...(process.getuid?.() === 0 ? { owner: { uid: info.uid, gid: info.gid } } : {}),
        ...WORKSPACE_COPY_LIMITS,
      }),
    release: () => removeTree(scratch),
  };
}
