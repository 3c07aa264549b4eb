import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DaemonInfo } from '../proto/index.js';
import { DAEMON_FILE_NAME } from '../proto/home.js';
import { parseDaemonFile } from '../proto/daemon-file.js';

/**
 * The CLI's read-only view of daemon.json. The daemon owns the writer
 * (daemon/daemon-file.ts); the CLI only needs to find it, and a file that is
 * missing, unreadable or not a `DaemonInfo` means "no daemon" rather than an
 * error (`parseDaemonFile`, the rule both sides read it by).
 */
export async function readDaemonFile(home: string): Promise<DaemonInfo | null> {
  try {
    return parseDaemonFile(await readFile(join(home, DAEMON_FILE_NAME), 'utf8'));
  } catch {
    return null;
  }
}

/** Signal 0 checks that a process exists without touching it. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
