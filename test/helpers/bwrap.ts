import { execFileSync } from 'node:child_process';

/** Why the bubblewrap suites cannot run here, or undefined when bwrap is installed. */
export function bwrapSkipReason(): string | undefined {
  try {
    execFileSync('bwrap', ['--version']);
    return undefined;
  } catch {
    return 'bwrap is not installed; scripts/setup.sh installs bubblewrap';
  }
}
