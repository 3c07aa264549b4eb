import { existsSync, lstatSync, readlinkSync } from 'node:fs';

/**
 * Both backends show the sandbox the host's own /usr, read-only, instead of a
 * downloaded distribution: nothing can be pulled from a registry here, and the
 * generated projects need exactly the node, npm and git the host has. Only
 * these /etc entries are shared; secrets such as /etc/shadow never are.
 */
export const SHARED_ETC = [
  'alternatives',
  'ssl',
  'ca-certificates',
  'ca-certificates.conf',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'nsswitch.conf',
  'localtime',
  'mime.types',
] as const;

/** Top-level folders that hold programs and libraries on a Linux host. */
const PROGRAM_DIRS = ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32'] as const;

export interface HostRoot {
  /** Folders bound read-only at the same path. */
  readOnlyDirs: string[];
  /** Merged-/usr links such as /bin -> usr/bin, recreated inside. */
  links: Array<{ path: string; target: string }>;
  /** /etc entries that exist on this host. */
  etc: string[];
}

export function describeHostRoot(root = '/'): HostRoot {
  const readOnlyDirs = ['/usr'];
  const links: HostRoot['links'] = [];
  for (const name of PROGRAM_DIRS) {
    const path = `${root}${name}`;
    let info;
    try {
      info = lstatSync(path);
    } catch {
      continue;
    }
    if (info.isSymbolicLink()) {
      links.push({ path: `/${name}`, target: readlinkSync(path) });
    } else if (info.isDirectory()) {
      readOnlyDirs.push(`/${name}`);
    }
  }
  const etc = SHARED_ETC.filter((name) => existsSync(`${root}etc/${name}`)).map((name) => `/etc/${name}`);
  return { readOnlyDirs, links, etc };
}

/** A passwd and group that name only the users a sandbox runs as. */
export function sandboxPasswd(uid: number, gid: number): { passwd: string; group: string } {
  const lines = ['root:x:0:0:root:/tmp:/bin/sh', 'nobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin'];
  const groups = ['root:x:0:', 'nogroup:x:65534:'];
  if (uid !== 0 && uid !== 65534) lines.push(`sandbox:x:${uid}:${gid}:sandbox:/tmp:/bin/sh`);
  if (gid !== 0 && gid !== 65534) groups.push(`sandbox:x:${gid}:`);
  return { passwd: `${lines.join('\n')}\n`, group: `${groups.join('\n')}\n` };
}
