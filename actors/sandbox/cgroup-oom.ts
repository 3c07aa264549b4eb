import { readFile } from 'node:fs/promises';

/**
 * How many processes the kernel OOM-killed in a memory cgroup. Docker's own
 * State.OOMKilled covers only a container's first process; a command run by
 * exec in a warm container, or a child of `npm test`, is seen only here.
 * Undefined when no file could be read.
 */
export async function readOomKills(paths: readonly string[]): Promise<number | undefined> {
  for (const path of paths) {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    // cgroup v1 memory.oom_control and v2 memory.events both carry an `oom_kill N` line.
    const match = /^oom_kill (\d+)$/m.exec(text);
    if (match) return Number(match[1]);
  }
  return undefined;
}

/** Where a container's memory cgroup lives, for the cgroupfs and systemd drivers, v1 and v2. */
export function containerOomFiles(containerId: string, root = '/sys/fs/cgroup'): string[] {
  return [
    `${root}/memory/docker/${containerId}/memory.oom_control`,
    `${root}/memory/system.slice/docker-${containerId}.scope/memory.oom_control`,
    `${root}/docker/${containerId}/memory.events`,
    `${root}/system.slice/docker-${containerId}.scope/memory.events`,
  ];
}
