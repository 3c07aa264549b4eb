import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readProcs, sweepFrozen } from './freezer-v1.js';
import type { SandboxLimits } from './sandbox.js';

const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['memory', 'pids', 'cpu', 'freezer'] as const;
type Controller = (typeof CONTROLLERS)[number];

/**
 * A hand-made cgroup-v1 group per run, nested under this process's own
 * cgroups so the host's limits still hold above it. systemd-run cannot make
 * scopes here, so the files are written directly. Each controller is
 * optional: what cannot be created is reported, and the caller falls back to
 * rlimits for it.
 */
export class RunCgroup {
  private constructor(
    private readonly dirs: Partial<Record<Controller, string>>,
  ) {}

  /** The group's cgroup.procs files; a process joins by writing its pid to each. */
  get procsFiles(): string[] {
    return Object.values(this.dirs).map((dir) => join(dir, 'cgroup.procs'));
  }

  get controllers(): Controller[] {
    return CONTROLLERS.filter((c) => this.dirs[c]);
  }

  static async create(limits: SandboxLimits, root = ROOT): Promise<RunCgroup> {
    const own = await ownCgroups();
    const name = `autodev-sbx-${randomBytes(6).toString('hex')}`;
    const dirs: Partial<Record<Controller, string>> = {};
    const settings: Record<Controller, Array<[string, string]>> = {
      // memsw is absent without swap accounting; memory alone then bounds RAM, and there is no swap here.
      memory: [['memory.limit_in_bytes', String(limits.memoryBytes)], ['memory.memsw.limit_in_bytes', String(limits.memoryBytes)]],
      pids: [['pids.max', String(limits.pids)]],
      cpu: [['cpu.cfs_period_us', '100000'], ['cpu.cfs_quota_us', String(Math.max(1000, Math.round(limits.cpus * 100_000)))]],
      // No limit: the freezer lets killAndVerify stop the whole group at once.
      freezer: [],
    };
    for (const controller of CONTROLLERS) {
      const dir = join(root, controller, own.get(controller) ?? '/', name);
      try {
        await mkdir(dir);
      } catch {
        continue;
      }
      try {
        for (const [file, value] of settings[controller]) {
          await writeFile(join(dir, file), value).catch((error: NodeJS.ErrnoException) => {
            if (file !== 'memory.memsw.limit_in_bytes') throw error;
          });
        }
        dirs[controller] = dir;
      } catch {
        await rmdir(dir).catch(() => undefined);
      }
    }
    return new RunCgroup(dirs);
  }

  async oomKills(): Promise<number> {
    if (!this.dirs.memory) return 0;
    const text = await readFile(join(this.dirs.memory, 'memory.oom_control'), 'utf8').catch(() => '');
    return Number(/^oom_kill (\d+)$/m.exec(text)?.[1] ?? 0);
  }

  /** Kills every process still in the group: a timeout must not leave a detached grandchild behind. */
  async killAll(): Promise<void> {
    for (const file of this.procsFiles) {
      const pids = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    }
  }

  /**
   * Kills every process of the group and resolves true only once the group
   * is seen empty: with the freezer, through a frozen sweep (freezer-v1.ts)
   * that nothing can fork past; then, freezer or not, by killing and reading
   * every group until one read finds them all empty. Every process of the
   * run is in every group (it joined them all before exec), and one read
   * cannot miss both a parent and the child it forks before exiting (the
   * child is added at the end of the list being read), so an empty read is
   * final. False at the deadline, or when the group has no controller to
   * read (then nothing was verified).
   */
  async killAndVerify(timeoutMs = 2000): Promise<boolean> {
    if (this.controllers.length === 0) return false;
    const deadline = Date.now() + timeoutMs;
    if (this.dirs.freezer && !(await sweepFrozen(this.dirs.freezer, async () => new Set(), timeoutMs)).verified) return false;
    for (let delay = 1; ; delay = Math.min(delay * 2, 25)) {
      const pids = (await Promise.all(Object.values(this.dirs).map((dir) => readProcs(dir)))).flatMap((list) => list ?? [Number.NaN]);
      if (pids.length === 0) return true;
      if (Date.now() >= deadline) return false;
      await this.killAll();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** rmdir succeeds only once the group is empty; the kernel may need a moment after the last exit. */
  async remove(): Promise<void> {
    for (const dir of Object.values(this.dirs)) {
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch {
          await this.killAll();
          await new Promise((r) => setTimeout(r, 25));
        }
      }
    }
  }
}

/** This process's cgroup path for each v1 controller, from /proc/self/cgroup. */
async function ownCgroups(): Promise<Map<string, string>> {
  const text = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const paths = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (!controllers || path === undefined) continue;
    for (const controller of controllers.split(',')) paths.set(controller, path);
  }
  return paths;
}
