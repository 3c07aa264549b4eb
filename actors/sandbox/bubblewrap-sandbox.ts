import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRoot } from './bind-mount.js';
import { RunCgroup } from './cgroup-v1.js';
import { SandboxError } from './errors.js';
import { describeHostRoot, sandboxPasswd, type HostRoot } from './host-root.js';
import { OutputTail } from './output-tail.js';
import { REGISTRY_MOUNT, type RegistryProxy } from './registry-proxy.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_FILE_BYTES, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, resolveRun, SANDBOX_WORKSPACE, type ResolvedRun } from './run-options.js';
import type { Sandbox, SandboxLimits, SandboxResult, SandboxRunOptions } from './sandbox.js';

export interface BubblewrapSandboxOptions {
  bwrap?: string;
  prlimit?: string;
  limits?: SandboxLimits;
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Largest file a command may write (RLIMIT_FSIZE), so one file cannot fill the disk. */
  maxFileBytes?: number;
  /** The only way out for runs with network 'registry'; without it such runs are refused. */
  registry?: RegistryProxy;
}

/** The uid a command runs as when the daemon is root: nobody, never root. */
const SANDBOX_UID = 65534;

/**
 * bubblewrap where no Docker engine answers: new user, pid, net, ipc, uts and
 * mount namespaces, the host's /usr read-only, /tmp a size-limited tmpfs, the
 * workspace read-write at /workspace, no capabilities, no nested user
 * namespaces. Memory, pids and CPU come from a hand-made cgroup-v1 group where
 * one can be created, and from prlimit otherwise (pids as RLIMIT_NPROC, which
 * the kernel does not apply to root: hence the cgroup when root).
 */
export class BubblewrapSandbox implements Sandbox {
  readonly backend = 'bubblewrap' as const;
  private readonly limits: SandboxLimits;
  private readonly timeoutMs: number;
  private readonly maxOutput: number;
  private readonly host: HostRoot;
  private readonly etcDir: string;
  private readonly running = new Set<number>();

  constructor(private readonly options: BubblewrapSandboxOptions = {}) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.host = describeHostRoot();
    // The host's passwd lists every account; the sandbox gets one that names only its own.
    this.etcDir = mkdtempSync(join(tmpdir(), 'autodev-bwrap-'));
    const uid = isRoot() ? SANDBOX_UID : (process.getuid?.() ?? SANDBOX_UID);
    const gid = isRoot() ? SANDBOX_UID : (process.getgid?.() ?? SANDBOX_UID);
    const files = sandboxPasswd(uid, gid);
    writeFileSync(join(this.etcDir, 'passwd'), files.passwd);
    writeFileSync(join(this.etcDir, 'group'), files.group);
    writeFileSync(join(this.etcDir, 'hosts'), '127.0.0.1 localhost\n::1 localhost\n');
  }

  async run(command: readonly string[], options: SandboxRunOptions): Promise<SandboxResult> {
    const run = await resolveRun(command, options, { limits: this.limits, timeoutMs: this.timeoutMs });
    if (run.network === 'registry' && !this.options.registry) {
      throw new SandboxError('sandbox_bad_request', 'network "registry" needs the registry proxy, which this sandbox was built without');
    }
    const cgroup = isRoot() ? await RunCgroup.create(run.limits) : undefined;
    try {
      return await this.spawnRun(run, cgroup);
    } finally {
      await cgroup?.remove();
    }
  }

  async close(): Promise<void> {
    for (const pid of this.running) killGroup(pid);
    this.running.clear();
    rmSync(this.etcDir, { recursive: true, force: true });
  }

  /** bwrap's arguments for one run: exported through `argsFor` for `autodev doctor` and the tests. */
  argsFor(run: ResolvedRun): string[] {
    const uid = isRoot() ? SANDBOX_UID : (process.getuid?.() ?? SANDBOX_UID);
    const gid = isRoot() ? SANDBOX_UID : (process.getgid?.() ?? SANDBOX_UID);
    const args = ['--unshare-all', '--unshare-user', '--uid', String(uid), '--gid', String(gid)];
    args.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--disable-userns');
    for (const dir of this.host.readOnlyDirs) args.push('--ro-bind', dir, dir);
    for (const link of this.host.links) args.push('--symlink', link.target, link.path);
    for (const entry of this.host.etc) args.push('--ro-bind-try', entry, entry);
    for (const name of ['passwd', 'group', 'hosts']) args.push('--ro-bind', join(this.etcDir, name), `/etc/${name}`);
    args.push('--proc', '/proc', '--dev', '/dev');
    args.push('--size', String(run.limits.tmpfsBytes), '--perms', '1777', '--tmpfs', '/tmp');
    args.push('--bind', run.workspace, SANDBOX_WORKSPACE);
    // After the workspace, so they cover its writable view: see git-mask.ts.
    for (const entry of run.readOnlyEntries) args.push('--ro-bind', join(run.workspace, entry), `${SANDBOX_WORKSPACE}/${entry}`);
    args.push('--chdir', run.cwd);
    const registry = run.network === 'registry' ? this.options.registry : undefined;
    if (registry) args.push('--ro-bind', registry.dir, REGISTRY_MOUNT);
    args.push('--clearenv');
    for (const [key, value] of Object.entries(run.env)) args.push('--setenv', key, value);
    // The network namespace stays empty either way: the registry is reached through the bound unix socket.
    args.push('--', ...(registry ? registry.wrap(run.argv) : run.argv));
    return args;
  }

  private spawnRun(run: ResolvedRun, cgroup: RunCgroup | undefined): Promise<SandboxResult> {
    const started = Date.now();
    const inCgroup = new Set(cgroup?.controllers ?? []);
    const rlimits = [
      `--cpu=${Math.ceil((run.timeoutMs / 1000) * run.limits.cpus) + 1}`,
      `--fsize=${this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES}`,
      // RLIMIT_AS would break V8, which reserves far more address space than it uses; memory needs the cgroup.
      // RLIMIT_NPROC counts every task the user already has, so the sandbox's allowance goes on top.
      ...(inCgroup.has('pids') ? [] : [`--nproc=${run.limits.pids + userTaskCount()}`]),
    ];
    const argv = [this.options.prlimit ?? 'prlimit', ...rlimits, '--', this.options.bwrap ?? 'bwrap', ...this.argsFor(run)];
    // The shell joins the cgroups before exec, so not one instruction of the command runs outside them.
    const join = 'for f in $AUTODEV_CGROUP_PROCS; do echo $$ > "$f" || exit 125; done; exec "$@"';
    const out = new OutputTail(this.maxOutput);
    const err = new OutputTail(this.maxOutput);
    return new Promise((done, fail) => {
      const child = spawn('/bin/sh', ['-c', join, 'sh', ...argv], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', AUTODEV_CGROUP_PROCS: (cgroup?.procsFiles ?? []).join(' ') },
      });
      const pid = child.pid;
      if (pid !== undefined) this.running.add(pid);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
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
          await cgroup?.killAll();
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

/** Tasks (threads included, as the kernel counts them for RLIMIT_NPROC) owned by this process's user. */
function userTaskCount(): number {
  const uid = process.getuid?.();
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

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // The group is gone already.
  }
}
