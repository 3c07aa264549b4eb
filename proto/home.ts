import { join, resolve } from 'node:path';

/** The file in the home folder through which clients find the running daemon (schema: `DaemonInfo`). */
export const DAEMON_FILE_NAME = 'daemon.json';

/**
 * The autodev home folder: the `--home` flag, else `AUTODEV_HOME`, else `~/.autodev`.
 * Pure (the caller passes its environment and home directory) so the daemon and
 * the CLI agree on it without either importing the other.
 */
export function resolveHome(flag: string | undefined, env: Readonly<Record<string, string | undefined>>, homedir: string): string {
  return resolve(flag || env.AUTODEV_HOME || join(homedir, '.autodev'));
}
