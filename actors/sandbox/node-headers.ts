import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { describeHostRoot } from './host-root.js';
import { SANDBOX_PATH } from './run-options.js';

/** Node's C/C++ headers for the node the sandbox runs, as node-gyp's `nodedir` wants them. */
export interface NodeHeaders {
  /** The prefix holding include/node (node-gyp's --nodedir): /usr for a Debian or NodeSource node. */
  nodedir: string;
  /** The version the headers declare, e.g. v20.20.2. */
  version: string;
}

export type NodeHeadersLookup = { ok: true; headers: NodeHeaders } | { ok: false; problem: string };

export interface NodeHeadersHost {
  /** The folders the sandbox's PATH lists, searched in order as its shell would. */
  pathDirs: readonly string[];
  /** Host folders every backend binds read-only at the same path (see host-root.ts). */
  visibleDirs: readonly string[];
  /** The node running this process, to compare versions when it is the sandbox's node too. */
  execPath: string;
  version: string;
}

/**
 * Where node-gyp, inside the sandbox, finds Node's headers without a
 * download: the sandbox has no network, and node-gyp's default is to fetch a
 * headers tarball into ~/.cache. Both backends show the host's /usr
 * read-only, so the node the sandbox runs is a host binary, and the headers
 * installed beside it (<prefix>/include/node) are the ones that match it.
 * They are used only where the sandbox sees them at the same path; nothing
 * else is mounted for them.
 */
export function findNodeHeaders(host: NodeHeadersHost = defaultHost()): NodeHeadersLookup {
  const node = host.pathDirs.map((dir) => join(dir, 'node')).find(isExecutableFile);
  if (!node) return { ok: false, problem: `the sandbox has no node on its PATH (${host.pathDirs.join(':')})` };
  const real = realpathSync(node);
  if (!host.visibleDirs.some((dir) => real === dir || real.startsWith(`${dir}${sep}`))) {
    return { ok: false, problem: `the sandbox's node resolves to ${real}, outside the folders it sees (${host.visibleDirs.join(', ')})` };
  }
  const nodedir = dirname(dirname(real));
  const include = join(nodedir, 'include', 'node');
  const versionFile = join(include, 'node_version.h');
  // common.gypi is what node-gyp reads first from a nodedir; node_version.h tells which node the headers are for.
  if (!existsSync(join(include, 'common.gypi')) || !existsSync(versionFile)) {
    return { ok: false, problem: `no Node headers beside the sandbox's node ${real}: ${include} lacks common.gypi or node_version.h (install the nodejs headers package, e.g. Debian's libnode-dev or nodejs from NodeSource)` };
  }
  const version = headersVersion(readFileSync(versionFile, 'utf8'));
  if (!version) return { ok: false, problem: `${versionFile} does not declare NODE_MAJOR/MINOR/PATCH_VERSION` };
  if (sameFile(real, host.execPath) && version !== host.version) {
    return { ok: false, problem: `the headers in ${include} are for ${version}, but the sandbox's node ${real} is ${host.version}` };
  }
  return { ok: true, headers: { nodedir, version } };
}

/** The version in node_version.h, or null when it does not declare one. */
export function headersVersion(text: string): string | null {
  const part = (name: string) => new RegExp(`^#define NODE_${name}_VERSION (\\d+)\\s*$`, 'm').exec(text)?.[1];
  const [major, minor, patch] = [part('MAJOR'), part('MINOR'), part('PATCH')];
  return major && minor && patch ? `v${major}.${minor}.${patch}` : null;
}

function defaultHost(): NodeHeadersHost {
  return { pathDirs: SANDBOX_PATH.split(':'), visibleDirs: describeHostRoot().readOnlyDirs, execPath: process.execPath, version: process.version };
}

function isExecutableFile(path: string): boolean {
  try {
    const info = statSync(path);
    return info.isFile() && (info.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return false;
  }
}
