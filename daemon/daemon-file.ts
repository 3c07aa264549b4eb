import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DaemonInfo } from '../proto/index.js';
import { DAEMON_FILE_NAME } from '../proto/home.js';
import { writeFileAtomically } from '../actors/fs/write-file-atomically.js';
import { readDaemonFile } from '../cli/daemon-file.js';

// One reader of daemon.json for both sides: the CLI's, which needs nothing but proto.
export { isProcessAlive, readDaemonFile } from '../cli/daemon-file.js';

export const daemonFilePath = (home: string) => join(home, DAEMON_FILE_NAME);

export async function writeDaemonFile(home: string, info: DaemonInfo): Promise<void> {
  await writeFileAtomically(daemonFilePath(home), `${JSON.stringify(DaemonInfo.parse(info), null, 2)}\n`, { mode: 0o600 });
}

/** Removes daemon.json only if it still describes this process. */
export async function removeDaemonFile(home: string, pid: number): Promise<void> {
  const info = await readDaemonFile(home);
  if (info?.pid === pid) await rm(daemonFilePath(home), { force: true });
}
