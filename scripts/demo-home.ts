import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive, readDaemonFile } from '../cli/daemon-file.js';

/** Marks a folder as a home the demo made, so a later run may write its config.json there again. */
export const DEMO_MARKER = '.autodev-demo-home';

/** Model choices the demo's daemon must not inherit from the user's shell when it replays recorded answers. */
const MODEL_VARIABLES = ['AUTODEV_MODEL', 'AUTODEV_MASTER_MODEL', 'AUTODEV_WORKER_MODEL'] as const;

export class DemoHomeError extends Error {
  override readonly name = 'DemoHomeError';
  constructor(
    message: string,
    /** 2: the folder given is not the demo's to use; 1: a daemon the demo did not start runs there. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/**
 * Makes `home` the demo's own: the default demo homes always are; a folder
 * given with --home must be new, empty, or one the demo made before. A
 * user's home (config.json, jobs, a daemon) is never written to.
 */
export function claimDemoHome(home: string, given: boolean): void {
  if (given && existsSync(home) && !existsSync(join(home, DEMO_MARKER)) && readdirSync(home).length > 0) {
    throw new DemoHomeError(`${home} is not empty and was not made by the demo, so the demo will not write its config.json there; give a new or empty folder with --home, or leave --home out`, 2);
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  writeFileSync(join(home, DEMO_MARKER), 'A home made by scripts/demo.ts; the demo rewrites its config.json on every run.\n');
}

/** The demo stops only a daemon it started: one already running in its home is left alone, and the demo does not go on. */
export async function refuseRunningDaemon(home: string): Promise<void> {
  const info = await readDaemonFile(home);
  if (info && isProcessAlive(info.pid)) {
    throw new DemoHomeError(
      `a daemon the demo did not start (pid ${info.pid}) already runs for the demo's home ${home}; the demo leaves it alone. Stop it with: autodev daemon stop --home ${home}, then run the demo again`,
      1,
    );
  }
}

/** The environment of the demo's CLI calls: the demo's home, and for a replay no model named in the user's shell. */
export function demoEnv(base: NodeJS.ProcessEnv, home: string, extra: Record<string, string>, replay: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, AUTODEV_HOME: home, ...extra };
  if (replay) for (const name of MODEL_VARIABLES) delete env[name];
  return env;
}
