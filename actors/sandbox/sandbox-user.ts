import { constants, type Dirent } from 'node:fs';
import { lchown, lstat, open, readdir, readlink, realpath, type FileHandle } from 'node:fs/promises';
import { isPathInside } from '../fs/path-inside.js';
import { SandboxError } from './errors.js';

/**
 * Generated code never runs as host uid 0, so a hole in the sandbox (a
 * kernel bug, an engine bug) leaves it an unprivileged user. It runs as the
 * workspace's owner when that is not root, and otherwise as nobody, on the
 * host side too: Docker's User, and bubblewrap started through setpriv.
 */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

export interface SandboxUser {
  uid: number;
  gid: number;
  /** Whether the workspace must be handed to this user (chowned) for the command to write it. */
  handOver: boolean;
}

/**
 * A root-owned workspace that is not a repository (the daemon's validation
 * and build copies, a scratch folder) is handed over to nobody, provided it
 * lies in a tree the daemon made (see handOverWorkspace). A repository (the
 * job repository execute_code mounts) is never chowned: the command gets it
 * read-only, apart from what nobody already owns.
 */
export function sandboxUserFor(owner: { uid: number; gid: number }, isRepository: boolean): SandboxUser {
  if (owner.uid !== 0) return { uid: owner.uid, gid: owner.gid === 0 ? SANDBOX_GID : owner.gid, handOver: false };
  const daemonIsRoot = process.getuid?.() === 0;
  return { uid: SANDBOX_UID, gid: SANDBOX_GID, handOver: daemonIsRoot && !isRepository };
}

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/**
 * Gives `root` and what lies under it to uid:gid, so the sandboxed command
 * can write its workspace without being root. The chown is permanent, so it
 * is only for trees the daemon made itself: when `ownedRoots` is given,
 * a `root` that does not lie under one of them (checked on the opened
 * folder, so a path swapped for a link cannot slip past) is refused and left
 * exactly as it was. Without `ownedRoots` the caller vouches that every
 * workspace it passes is its own (tests, embedding code); the daemon always
 * passes them (daemon/sandbox-runtime.ts). The walk opens every folder
 * with O_NOFOLLOW and changes entries through /proc/self/fd/<folder>/<name>
 * with lchown: a symlink a previous run planted is changed itself, never its
 * target, and a folder swapped for a link mid-walk is not entered. Folders
 * the user owns already are not entered (the sandbox made them; only the
 * host's own writes need handing over). `skip` names are left alone at every
 * depth (.git).
 */
export async function handOverWorkspace(root: string, uid: number, gid: number, skip: ReadonlySet<string>, ownedRoots?: readonly string[]): Promise<void> {
  const top = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    if (ownedRoots) await assertMadeByDaemon(top, root, ownedRoots);
    const info = await top.stat();
    if (info.uid !== uid || info.gid !== gid) await top.chown(uid, gid);
    await handOverChildren(top, uid, gid, skip);
  } finally {
    await top.close();
  }
}

async function handOverChildren(dir: FileHandle, uid: number, gid: number, skip: ReadonlySet<string>): Promise<void> {
  const base = `/proc/self/fd/${dir.fd}`;
  const entries: Dirent[] = await readdir(base, { withFileTypes: true });
  for (const entry of entries) {
    if (skip.has(entry.name)) continue;
    const path = `${base}/${entry.name}`;
    const info = await lstat(path).catch(() => undefined);
    if (!info || (info.uid === uid && info.gid === gid)) continue;
    await lchown(path, uid, gid);
    if (!info.isDirectory()) continue;
    const child = await open(path, DIR_FLAGS).catch(() => undefined);
    if (!child) continue;
    try {
      await handOverChildren(child, uid, gid, skip);
    } finally {
      await child.close();
    }
  }
}

/** Refuses a folder, already opened, that lies outside every owned root, whatever path led to it. */
async function assertMadeByDaemon(top: FileHandle, shown: string, ownedRoots: readonly string[]): Promise<void> {
  const opened = await readlink(`/proc/self/fd/${top.fd}`);
  const roots = await Promise.all(ownedRoots.map((root) => realpath(root).catch(() => undefined)));
  if (roots.some((root) => root !== undefined && isPathInside(root, opened))) return;
  throw new SandboxError(
    'sandbox_bad_request',
    `workspace ${shown}${opened === shown ? '' : ` (${opened})`} belongs to root and lies outside the folders autodevd made (${ownedRoots.join(', ')}): ` +
      `running there would hand it to the sandbox user (uid ${SANDBOX_UID}) for good, so it is refused and left as it was. ` +
      'To run in it, copy it into a folder of your own (autodev sandbox run copies it for you), or give it to the non-root user the command should run as.',
  );
}
