import { open, type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { SandboxError } from './errors.js';
import type { BesideRunOptions, SandboxResult, SandboxService } from './sandbox.js';
import { startService } from './sandbox-service.js';

/** What bwrap's --info-fd reports: its child's pid (host view) and the network namespace's inode. */
export interface BwrapInfo {
  childPid: number;
  netNamespace: number;
}

const MAX_INFO_CHARS = 4096;

/** Reads bwrap's --info-fd JSON as it arrives and reports it once; anything malformed is ignored (no service then). */
export function readBwrapInfo(stream: unknown, onInfo: (info: BwrapInfo) => void): void {
  if (!(stream instanceof Readable)) return;
  let text = '';
  let reported = false;
  stream.on('data', (chunk: Buffer) => {
    if (reported || text.length > MAX_INFO_CHARS) return;
    text += chunk.toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return; // Not complete yet.
    }
    if (typeof parsed !== 'object' || parsed === null) return;
    const fields: { [key: string]: unknown } = { ...parsed };
    const childPid = fields['child-pid'];
    const netNamespace = fields['net-namespace'];
    if (typeof childPid === 'number' && typeof netNamespace === 'number' && childPid > 1) {
      reported = true;
      onInfo({ childPid, netNamespace });
    }
  });
}

export interface BwrapServiceDeps {
  launch(signal: AbortSignal, onInfo: (info: BwrapInfo) => void): Promise<SandboxResult>;
  /** Runs a command in a sandbox of its own inside the network namespace open as `netnsFd`. */
  beside(command: readonly string[], options: BesideRunOptions, netnsFd: number): Promise<SandboxResult>;
  signal?: AbortSignal;
}

/**
 * A bubblewrap service: the command's own bwrap, whose network namespace is
 * pinned by descriptor as soon as bwrap reports it, and checked against the
 * inode bwrap gave: a pid can be reused once its process is gone, and joining
 * a reused pid's namespace could put a run on the host's own network. Runs
 * beside it get that descriptor (never a path) and enter the namespace before
 * bwrap starts them in a user and pid namespace of their own.
 */
export function startBwrapService(deps: BwrapServiceDeps): Promise<SandboxService> {
  return startService<BwrapInfo, FileHandle>({
    launch: deps.launch,
    pin: pinNetworkNamespace,
    beside: (command, options, netns) => deps.beside(command, options, netns.fd),
    release: (netns) => netns.close(),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
}

async function pinNetworkNamespace(info: BwrapInfo): Promise<FileHandle> {
  const handle = await open(`/proc/${info.childPid}/ns/net`, 'r').catch((error: unknown) => {
    throw new SandboxError('sandbox_failed', `the service's sandbox ended before its network could be joined (${(error as Error).message})`, { cause: error });
  });
  const { ino } = await handle.stat();
  if (ino !== info.netNamespace) {
    await handle.close();
    throw new SandboxError('sandbox_failed', `the service's network namespace changed under its pid ${info.childPid}: refusing to join another process's network`);
  }
  return handle;
}
