import { chown, mkdir, mkdtemp, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { bindMount, unmount } from './bind-mount.js';

export interface StagedSources {
  workspace: string;
  registry?: string;
  /** The run disk's /tmp folder (run-disk.ts), when the run has one. */
  tmp?: string;
  /** Unmounts and removes the stage; never deletes through a mount that would not come off. */
  release(): Promise<void>;
}

/**
 * bubblewrap started as an unprivileged user resolves its bind sources with
 * that user's permissions, and the workspace sits in the daemon's 0700 home.
 * So the root daemon binds the workspace (and the registry proxy's folder)
 * into a folder only that user may enter, under `parent`, and bubblewrap
 * binds them from there. Root only (mount).
 */
export async function stageSources(parent: string, uid: number, gid: number, sources: { workspace: string; registry?: string; tmp?: string }): Promise<StagedSources> {
  const dir = await mkdtemp(join(parent, 'run-'));
  const mounted: string[] = [];
  const release = async () => {
    for (const point of mounted.reverse()) {
      await unmount(point).catch(() => undefined);
      // rmdir, never rm -r: if the unmount failed, a recursive removal would delete the workspace through it.
      await rmdir(point).catch(() => undefined);
    }
    await rmdir(dir).catch(() => undefined);
  };
  try {
    await chown(dir, uid, gid);
    const stage = async (source: string, name: string) => {
      const point = join(dir, name);
      await mkdir(point);
      await bindMount(source, point);
      mounted.push(point);
      return point;
    };
    const workspace = await stage(sources.workspace, 'workspace');
    const registry = sources.registry ? await stage(sources.registry, 'registry') : undefined;
    const tmp = sources.tmp ? await stage(sources.tmp, 'tmp') : undefined;
    return { workspace, ...(registry ? { registry } : {}), ...(tmp ? { tmp } : {}), release };
  } catch (error) {
    await release();
    throw error;
  }
}
