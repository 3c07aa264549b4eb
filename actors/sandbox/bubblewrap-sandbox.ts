import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot, mountsUnder, unmount } from './bind-mount.js';
import { stageSources, type StagedSources } from './bwrap-stage.js';
import { RunCgroup } from './cgroup-v1.js';
import { SandboxError } from './errors.js';
import { describeHostRoot, sandboxPasswd, type HostRoot } from './host-root.js';
import { OutputTail } from './output-tail.js';
import { withRunDisk, type RunDisks, type RunDiskView } from './run-disks.js';
import { REGISTRY_MOUNT, type RegistryProxy } from './registry-proxy.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, resolveRun, SANDBOX_WORKSPACE, type ResolvedRun } from './run-options.js';
import type { Sandbox, SandboxLimits, SandboxResult, SandboxRunOptions, SandboxService } from './sandbox.js';
import { readBwrapInfo, startBwrapService, type BwrapInfo } from './bwrap-service.js';

/** What a run beside a service, or a service itself, adds to an ordinary run. */
interface SpawnExtra {
  /** Called once with the sandbox's child pid and namespaces (a service's run). */
  onInfo?: (info: BwrapInfo) => void;
  /** An open descriptor of the network namespace to run in (a run beside a service). */
  netnsFd?: number;
}

export interface BubblewrapSandboxOptions {
  bwrap?: string;
  prlimit?: string;
  /** Drops a root daemon to the run's unprivileged user before bwrap starts (util-linux setpriv). */
  setpriv?: string;
  limits?: SandboxLimits;
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Largest file a command may write (RLIMIT_FSIZE), so one file cannot fill the disk. */
  maxFileBytes?: number;
  /** The only way out for runs with network 'registry'; without it such runs are refused. */
  registry?: RegistryProxy;
  /** Each run's writes capped on a volume of its own (run-disk.ts); without them only /tmp's tmpfs size and RLIMIT_FSIZE bound them. */
  disks?: RunDisks;
  /** Trees the daemon made: a root-owned workspace is handed to the sandbox user only there (sandbox-user.ts). */
  ownedRoots?: readonly string[];
}

/**
 * bubblewrap where no Docker engine answers: new user, pid, net, ipc, uts and
 * mount namespaces, the host's /usr read-only, /tmp a size-limited tmpfs, the
 * workspace read-write at /workspace, no capabilities, no nested user
 * namespaces. Memory, pids and CPU come from a hand-made cgroup-v1 group where
 * one can be created, and from prlimit otherwise (pids as RLIMIT_NPROC, which
 * the kernel does not apply to root: hence the cgroup when root).
 * A root daemon starts bwrap through setpriv as the run's unprivileged user
 * (see sandbox-user.ts), so the command's processes are not host uid 0
 * either; bwrap's own user namespace maps that user to itself.
 */
export class BubblewrapSandbox implements Sandbox {
  readonly backend = 'bubblewrap' as const;
  private readonly limits: SandboxLimits;
  private readonly timeoutMs: number;
  private readonly maxOutput: number;
  private readonly host: HostRoot;
  private readonly etcDir: string;
  private readonly running = new Set<number>();
  private readonly inFlight = new Set<Promise<SandboxResult>>();
  private closed = false;

  constructor(private readonly options: BubblewrapSandboxOptions = {}) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.host = describeHostRoot();
    this.etcDir = mkdtempSync(join(tmpdir(), 'autodev-bwrap-'));
    // Passable, not listable: bwrap runs as the sandbox user and must reach its etc files and its stage.
    chmodSync(this.etcDir, 0o711);
  }

  /** The host's passwd lists every account; the sandbox gets one that names only its own user. */
  private etcFor(uid: number, gid: number): string {
    const dir = join(this.etcDir, `user-${uid}-${gid}`);
    if (!existsSync(dir)) {
      mkdirSync(dir, { mode: 0o755 });
      const files = sandboxPasswd(uid, gid);
      writeFileSync(join(dir, 'passwd'), files.passwd, { mode: 0o644 });
      writeFileSync(join(dir, 'group'), files.group, { mode: 0o644 });
      writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n', { mode: 0o644 });
    }
    return dir;
  }

  /** The user bwrap and the command run as: the run's (never root) when the daemon is root, else the daemon's own. */
  private userOf(run: ResolvedRun): { uid: number; gid: number } {
    if (isRoot()) return { uid: run.uid, gid: run.gid };
    return { uid: process.getuid?.() ?? run.uid, gid: process.getgid?.() ?? run.gid };
  }

  run(command: readonly string[], options: SandboxRunOptions): Promise<SandboxResult> {
    return this.launch(command, options, {});
  }

  private launch(command: readonly string[], options: SandboxRunOptions, extra: SpawnExtra): Promise<SandboxResult> {
    if (this.closed) return Promise.reject(closedError());
    const running = this.runOnce(command, options, extra);
    this.inFlight.add(running);
    const forget = () => this.inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** See SandboxService: the service's bwrap reports its namespaces, and runs beside it join its network namespace only. */
  start(command: readonly string[], options: Omit<SandboxRunOptions, 'network'>): Promise<SandboxService> {
    if (this.closed) return Promise.reject(closedError());
    return startBwrapService({
      launch: (signal, onInfo) => this.launch(command, { ...options, network: 'none', signal }, { onInfo }),
      beside: (besideCommand, besideOptions, netnsFd) => {
        if (!isRoot()) {
          throw new SandboxError('sandbox_unavailable', 'bubblewrap runs a command beside a service (the acceptance judge beside the app) only under a root daemon, which can join the service\'s network namespace: run autodevd as root, or use Docker');
        }
        return this.launch(besideCommand, { ...besideOptions, network: 'none' }, { netnsFd });
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  private async runOnce(command: readonly string[], options: SandboxRunOptions, extra: SpawnExtra): Promise<SandboxResult> {
    const run = await resolveRun(command, options, { limits: this.limits, timeoutMs: this.timeoutMs, ownedRoots: this.options.ownedRoots });
    if (run.network === 'registry' && !this.options.registry) {
      throw new SandboxError('sandbox_bad_request', 'network "registry" needs the registry proxy, which this sandbox was built without');
    }
    return withRunDisk(this.options.disks, run.workspace, (disk) => this.runOn(run, disk, extra));
  }

  /** `disk`, where the daemon makes run disks: the overlay shown as the workspace and the volume's /tmp (run-disk.ts). */
  private async runOn(run: ResolvedRun, disk: RunDiskView | undefined, extra: SpawnExtra): Promise<SandboxResult> {
    const user = this.userOf(run);
    const registry = run.network === 'registry' ? this.options.registry : undefined;
    const sources = { workspace: disk?.workspace ?? run.workspace, ...(disk ? { tmp: disk.tmp } : {}), ...(registry ? { registry: registry.dir } : {}) };
    const staged = isRoot() ? await stageSources(this.etcDir, user.uid, user.gid, sources) : undefined;
    const cgroup = isRoot() ? await RunCgroup.create(run.limits).catch(async (error: unknown) => {
      await staged?.release();
      throw error;
    }) : undefined;
    const fence: RunFence = { survivors: false };
    try {
      // close() may have begun while this run was being staged: nothing may start after it killed what ran.
      if (this.closed) throw closedError();
      return await this.spawnRun(run, cgroup, staged, extra, fence);
    } finally {
      await cgroup?.remove();
      // Released (unmounted) only once every process of the run was seen dead; never under a survivor.
      if (!fence.survivors) await staged?.release();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pid of this.running) killGroup(pid);
    // Runs unmount their own stage when they end; until then their workspace is bound under etcDir.
    await Promise.allSettled([...this.inFlight]);
    this.running.clear();
    // Belt and braces: a recursive removal through a mount left behind would empty the workspace.
    for (const point of await mountsUnder(this.etcDir)) await unmount(point).catch(() => undefined);
    if ((await mountsUnder(this.etcDir)).length === 0) rmSync(this.etcDir, { recursive: true, force: true });
  }

  /**
   * bwrap's arguments for one run: exported through `argsFor` for `autodev doctor` and the tests.
   * `staged` replaces the workspace and registry sources when a root daemon staged them for the sandbox user.
   */
  argsFor(run: ResolvedRun, staged?: Pick<StagedSources, 'workspace' | 'registry' | 'tmp'>, extra: SpawnExtra = {}): string[] {
    const { uid, gid } = this.userOf(run);
    const workspace = staged?.workspace ?? run.workspace;
    const etc = this.etcFor(uid, gid);
    const args = ['--unshare-all', '--unshare-user', '--uid', String(uid), '--gid', String(gid)];
    // Beside a service the run already stands in the service's network namespace (nsenter): keep it, unshare the rest.
    if (extra.netnsFd !== undefined) args.push('--share-net');
    args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--disable-userns');
    for (const dir of this.host.readOnlyDirs) args.push('--ro-bind', dir, dir);
    for (const link of this.host.links) args.push('--symlink', link.target, link.path);
    for (const entry of this.host.etc) args.push('--ro-bind-try', entry, entry);
    for (const name of ['passwd', 'group', 'hosts']) args.push('--ro-bind', join(etc, name), `/etc/${name}`);
    args.push('--proc', '/proc', '--dev', '/dev');
    // On the run disk's volume where there is one, capped with the workspace's writes; else a tmpfs of its own size.
    if (staged?.tmp) args.push('--bind', staged.tmp, '/tmp');
    else args.push('--size', String(run.limits.tmpfsBytes), '--perms', '1777', '--tmpfs', '/tmp');
    args.push(run.readOnlyWorkspace ? '--ro-bind' : '--bind', workspace, SANDBOX_WORKSPACE);
    // After the workspace, so they cover its writable view: see git-mask.ts.
    for (const entry of run.readOnlyEntries) args.push('--ro-bind', join(workspace, entry), `${SANDBOX_WORKSPACE}/${entry}`);
    // Regular files only (masked-entries.ts): a bind over a link would land on its target.
    for (const entry of run.maskedEntries) args.push('--ro-bind', '/dev/null', `${SANDBOX_WORKSPACE}/${entry}`);
    args.push('--chdir', run.cwd);
    const registry = run.network === 'registry' ? this.options.registry : undefined;
    if (registry) args.push('--ro-bind', staged?.registry ?? registry.dir, REGISTRY_MOUNT);
    // A service's bwrap tells the daemon its child's pid and namespaces on fd 3 (see bwrap-service.ts); the command never sees that fd.
    if (extra.onInfo) args.push('--info-fd', '3');
    args.push('--clearenv');
    for (const [key, value] of Object.entries(run.env)) args.push('--setenv', key, value);
    // The network namespace stays empty either way: the registry is reached through the bound unix socket.
    args.push('--', ...(registry ? registry.wrap(run.argv) : run.argv));
    return args;
  }

  private spawnRun(run: ResolvedRun, cgroup: RunCgroup | undefined, staged: StagedSources | undefined, extra: SpawnExtra, fence: RunFence): Promise<SandboxResult> {
    const started = Date.now();
    const inCgroup = new Set(cgroup?.controllers ?? []);
    const rlimits = [
      `--cpu=${Math.ceil((run.timeoutMs / 1000) * run.limits.cpus) + 1}`,
      `--fsize=${this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES}`,
      // RLIMIT_AS would break V8, which reserves far more address space than it uses; memory needs the cgroup.
      // RLIMIT_NPROC counts every task the user already has, so the sandbox's allowance goes on top.
      ...(inCgroup.has('pids') ? [] : [`--nproc=${run.limits.pids + userTaskCount(this.userOf(run).uid)}`]),
    ];
    const { uid, gid } = this.userOf(run);
    // Root joins the cgroups and sets the limits, then becomes the sandbox user for good: bwrap and the command never hold host uid 0.
    const dropRoot = isRoot() ? [this.options.setpriv ?? 'setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'] : [];
    // Beside a service, root enters the service's network namespace (passed as fd 3) before dropping to the run's user.
    const enterNet = extra.netnsFd === undefined ? [] : ['nsenter', '--net=/proc/self/fd/3', '--'];
    const argv = [this.options.prlimit ?? 'prlimit', ...rlimits, '--', ...enterNet, ...dropRoot, this.options.bwrap ?? 'bwrap', ...this.argsFor(run, staged, extra)];
    // The shell joins the cgroups before exec, so not one instruction of the command runs outside them.
    const join = 'for f in $AUTODEV_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"';
    const out = new OutputTail(this.maxOutput);
    const err = new OutputTail(this.maxOutput);
    return new Promise((done, fail) => {
      const child = spawn('/bin/sh', ['-c', join, 'sh', ...argv], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe', extra.netnsFd ?? (extra.onInfo ? 'pipe' : 'ignore')],
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', AUTODEV_CGROUP_PROCS: (cgroup?.procsFiles ?? []).join(' ') },
      });
      const pid = child.pid;
      if (pid !== undefined) this.running.add(pid);
      child.stdout?.on('data', (d: Buffer) => out.push(d));
      child.stderr?.on('data', (d: Buffer) => err.push(d));
      const info = child.stdio[3];
      if (extra.onInfo && info && 'on' in info) readBwrapInfo(info, extra.onInfo);
      let timedOut = false;
      let aborted = false;
      const kill = () => {
        if (pid !== undefined) killGroup(pid);
        void cgroup?.killAll();
      };
      const timer = setTimeout(() => {
        timedOut = true;
        kill();
      }, run.timeoutMs);
      const onAbort = () => {
        aborted = true;
        kill();
      };
      if (run.signal?.aborted) onAbort();
      else run.signal?.addEventListener('abort', onAbort, { once: true });
      child.once('error', (error) => {
        clearTimeout(timer);
        fail(new SandboxError('sandbox_failed', `cannot start bubblewrap: ${error.message}`, { cause: error }));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        run.signal?.removeEventListener('abort', onAbort);
        if (pid !== undefined) this.running.delete(pid);
        // Nothing the command started may outlive it.
        if (pid !== undefined) killGroup(pid);
        void (async () => {
          if (!(await runEnded(cgroup, pid))) {
            fence.survivors = true;
            fail(new SandboxError('sandbox_failed', 'processes of the bubblewrap run could not be verified dead; its workspace stays mounted and must not be cleaned up'));
            return;
          }
          const oomKilled = ((await cgroup?.oomKills()) ?? 0) > 0;
          done({
            exitCode: code ?? (signal === 'SIGKILL' ? 137 : 128),
            stdout: out.text(),
            stderr: err.text(),
            timedOut,
            oomKilled,
            durationMs: Date.now() - started,
            ...(aborted ? { aborted: true } : {}),
          });
        })();
      });
    });
  }
}

/** Tasks (threads included, as the kernel counts them for RLIMIT_NPROC) owned by `uid`. */
function userTaskCount(uid: number): number {
  let count = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (statSync(`/proc/${entry}`).uid === uid) count += readdirSync(`/proc/${entry}/task`).length;
    } catch {
      // The process ended while we looked.
    }
  }
  return count;
}

/** Set by a run whose processes were not all seen dead: its stage must stay. */
interface RunFence {
  survivors: boolean;
}

/**
 * Resolves true once no process of the run is alive. With a cgroup (root
 * daemon), every process of the run is in it: killed and read back empty.
 * Without one, the pid namespace is the fence: bwrap (--unshare-pid) runs
 * its own init as the namespace's PID 1, which dies with the command, or
 * with the outer bwrap through --die-with-parent, and the kernel kills every
 * process of a namespace whose PID 1 dies, none of which can leave it (nor
 * kill that init from inside). What is left to wait for is bwrap's own
 * process group, the outer bwrap and the shell that started it.
 */
async function runEnded(cgroup: RunCgroup | undefined, pid: number | undefined): Promise<boolean> {
  if (cgroup && cgroup.controllers.length > 0) return cgroup.killAndVerify();
  if (pid === undefined) return true;
  for (let delay = 1, waited = 0; waited < 2000; waited += delay, delay = Math.min(delay * 2, 50)) {
    try {
      process.kill(-pid, 0);
    } catch {
      return true;
    }
    killGroup(pid);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return false;
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}

const closedError = () => new SandboxError('sandbox_unavailable', 'this bubblewrap sandbox was closed (the daemon is stopping); run again after it restarts');
