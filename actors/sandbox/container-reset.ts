import type Dockerode from 'dockerode';
import { collectOutput } from './docker-output.js';
import { OutputTail } from './output-tail.js';

/** The one line the reset prints when every check held; anything else means the container is not reused. */
const CLEAN = 'autodev-reset-clean';
const RESET_TIMEOUT_MS = 5000;

/**
 * Runs as the previous run's user (its processes can only have been that
 * user: no capabilities, no-new-privileges), in the container's shells:
 * - kills every process of that user but itself, and waits until none is
 *   left (docker-init reaps them), so nothing of one run runs in the next;
 * - empties /tmp, /dev/shm and /dev/mqueue, whatever modes the run set;
 * - removes the user's System V IPC objects;
 * - verifies each of these, and prints CLEAN only when all hold.
 * Pool containers run nothing else as a non-root user, so "no process of
 * any non-root user but this shell" is the check.
 */
const RESET_SCRIPT = `
self=$$
# Sets n rather than printing it: a $(...) subshell would be a process of the user, and count itself.
alive() {
  n=0
  for d in /proc/[0-9]*; do
    [ "\${d#/proc/}" = "$self" ] && continue
    uid=
    while read -r key real rest; do
      if [ "$key" = "Uid:" ]; then uid=$real; break; fi
    done < "$d/status" 2>/dev/null
    [ -n "$uid" ] && [ "$uid" != 0 ] && n=$((n+1))
  done
}
tries=0
while :; do
  kill -9 -1 2>/dev/null
  alive
  [ "$n" = 0 ] && break
  tries=$((tries+1))
  [ $tries -ge 40 ] && { echo "processes of the run survive"; exit 1; }
  sleep 0.05
done
for dir in /tmp /dev/shm /dev/mqueue; do
  [ -d "$dir" ] || continue
  chmod -R u+rwx "$dir"/* "$dir"/.[!.]* "$dir"/..?* 2>/dev/null
  rm -rf "$dir"/* "$dir"/.[!.]* "$dir"/..?* 2>/dev/null
  [ -z "$(ls -A "$dir" 2>/dev/null)" ] || { echo "$dir is not empty"; exit 1; }
done
ipcrm --all 2>/dev/null
for kind in shm sem msg; do
  f=/proc/sysvipc/$kind
  [ -r "$f" ] || continue
  [ "$(wc -l < "$f")" -le 1 ] || { echo "System V $kind objects remain"; exit 1; }
done
echo ${CLEAN}
`;

/**
 * Resets a warm container after a run, so it can serve the next one as if
 * fresh. Resolves null when the container is clean, or the reason it is
 * not (then it must be removed, never reused).
 */
export async function resetContainer(container: Dockerode.Container, runUser: string): Promise<string | null> {
  try {
    const exec = await container.exec({ Cmd: ['sh', '-c', RESET_SCRIPT], User: runUser, WorkingDir: '/', AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    const out = new OutputTail(4096);
    const ended = collectOutput(container.modem, stream, out, new OutputTail(4096)).then(() => 'ended' as const);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), RESET_TIMEOUT_MS)));
    const how = await Promise.race([ended, late]).finally(() => clearTimeout(timer));
    if (how === 'late') return `the reset did not finish within ${RESET_TIMEOUT_MS} ms`;
    const info = await exec.inspect();
    const lines = out.text().trim().split('\n');
    if (info.ExitCode === 0 && lines.at(-1) === CLEAN) return null;
    return `the reset exited ${info.ExitCode ?? 'without a code'}: ${lines.at(-1)?.slice(0, 200) ?? ''}`;
  } catch (error) {
    return `the reset could not run: ${(error as Error).message}`;
  }
}
