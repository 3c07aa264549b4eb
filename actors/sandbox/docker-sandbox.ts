import type Dockerode from 'dockerode';
import type { Logger } from '../log/logger.js';
import { containerOomFiles, readOomKills } from './cgroup-oom.js';
import { killContainer } from './container-fence.js';
import { collectOutput } from './docker-output.js';
import { containerSpec, OWNER_LABEL, resourceLimits, userFor } from './docker-spec.js';
import type { WarmPool, WarmSlot } from './docker-pool.js';
import { SandboxError } from './errors.js';
import { OutputTail } from './output-tail.js';
import { REGISTRY_MOUNT, type RegistryProxy } from './registry-proxy.js';
import { withRunDisk, type RunDisks, type RunDiskView } from './run-disks.js';
import { DEFAULT_LIMITS, DEFAULT_MAX_OUTPUT_BYTES, DEFAULT_TIMEOUT_MS, resolveRun, type ResolvedRun } from './run-options.js';
import type { Sandbox, SandboxLimits, SandboxResult, SandboxRunOptions, SandboxService } from './sandbox.js';
import { startDockerService } from './docker-service.js';

export interface DockerSandboxOptions {
  docker: Dockerode;
  image: string;
  /** Labels every container, so a restart can remove what a killed daemon left. */
  owner: string;
  limits?: SandboxLimits;
  timeoutMs?: number;
  maxOutputBytes?: number;
  /** Largest file a command may write (RLIMIT_FSIZE); warm containers have the pool's. */
  maxFileBytes?: number;
  /** Warm containers; without one every run is cold (create, start, wait, remove). */
  pool?: WarmPool;
  /** The only way out for runs with network 'registry'; without it such runs are refused. */
  registry?: RegistryProxy;
  /** Each run's writes capped on a volume of its own (run-disk.ts); a pool must then bind /tmp (WarmPoolOptions.bindTmp). */
  disks?: RunDisks;
  /** Trees the daemon made: a root-owned workspace is handed to the sandbox user only there (sandbox-user.ts). */
  ownedRoots?: readonly string[];
  log?: Logger;
}

interface Outcome {
  exitCode: number;
  timedOut: boolean;
  aborted: boolean;
  oomKilled: boolean;
}

/**
 * Runs each command in a fresh container: network none, read-only root,
 * every capability dropped, no-new-privileges, CPU, memory (no swap), pids
 * and /tmp size limited, the host's /usr read-only, the workspace at
 * /workspace, its `.git` read-only. The command runs as the workspace's
 * owner, so a user's files stay theirs, and as nobody where that owner is
 * root (sandbox-user.ts): never host uid 0, the engine not remapping users.
 */
export class DockerSandbox implements Sandbox {
  readonly backend = 'docker' as const;
  private readonly limits: SandboxLimits;
  private readonly timeoutMs: number;
  private readonly maxOutput: number;

  constructor(private readonly options: DockerSandboxOptions) {
    this.limits = options.limits ?? DEFAULT_LIMITS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  }

  /** Removes containers a previous, killed owner left behind. */
  static async removeLeftovers(docker: Dockerode, owner: string): Promise<number> {
    const stale = await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${owner}`] } });
    await Promise.all(stale.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    return stale.length;
  }

  async run(command: readonly string[], options: SandboxRunOptions): Promise<SandboxResult> {
    const run = await resolveRun(command, options, { limits: this.limits, timeoutMs: this.timeoutMs, ownedRoots: this.options.ownedRoots });
    if (run.network === 'registry' && !this.options.registry) {
      throw new SandboxError('sandbox_bad_request', 'network "registry" needs the registry proxy, which this sandbox was built without');
    }
    const slot = run.network === 'none' ? this.warmSlotFor(run) : undefined;
    try {
      if (slot) {
        const warm = await this.runWarm(run, slot).catch((error: unknown) => {
          // A warm container that died while idle (engine restarted, killed by hand) is not the command's fault.
          if (error instanceof StaleSlotError) return undefined;
          throw error;
        });
        if (warm) return warm;
        this.options.log?.warn('a warm sandbox container was unusable; running cold', { id: slot.id });
      }
      return await this.runCold(run);
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw new SandboxError('sandbox_failed', `the docker sandbox failed: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    await this.options.pool?.close();
  }

  /**
   * A warm container has the pool's /tmp size fixed at creation; other limits can be changed live.
   * Its mounts are fixed too: a workspace with a `.git` to show read-only, or a file to mask, runs cold.
   */
  private warmSlotFor(run: ResolvedRun): WarmSlot | undefined {
    const pool = this.options.pool;
    if (!pool || pool.bindsTmp !== Boolean(this.options.disks) || run.limits.tmpfsBytes !== pool.limits.tmpfsBytes || run.readOnlyEntries.length > 0 || run.maskedEntries.length > 0) return undefined;
    return pool.take();
  }

  /** With run disks (run-disk.ts) the run sees the overlay and the volume's /tmp; its writes are settled after the pool fenced and took back the slot. */
  private runWarm(run: ResolvedRun, slot: WarmSlot): Promise<SandboxResult> {
    return withRunDisk(this.options.disks, run.workspace, (disk) => this.runWarmOn(onDisk(run, disk), slot, disk?.tmp));
  }

  private async runWarmOn(run: ResolvedRun, slot: WarmSlot, tmp: string | undefined): Promise<SandboxResult> {
    const pool = this.options.pool as WarmPool;
    const started = Date.now();
    const out = new OutputTail(this.maxOutput);
    const err = new OutputTail(this.maxOutput);
    const ownLimits = !sameLimits(run.limits, pool.limits);
    let reusable = false;
    try {
      let stream: NodeJS.ReadableStream;
      let exec: Dockerode.Exec;
      try {
        // Independent round trips, overlapped: this is the latency a warm run exists to cut.
        [exec] = await Promise.all([
          slot.container.exec({
            Cmd: killStraysAfter(run.argv),
            User: userFor(run),
            WorkingDir: run.cwd,
            Env: Object.entries(run.env).map(([k, v]) => `${k}=${v}`),
            AttachStdout: true,
            AttachStderr: true,
          }),
          pool.attach(slot, run.workspace, tmp),
          ownLimits ? slot.container.update(resourceLimits(run.limits)) : undefined,
        ]);
        stream = await exec.start({ hijack: true, stdin: false });
      } catch (error) {
        throw new StaleSlotError(error);
      }
      const ended = collectOutput(this.options.docker.modem, stream, out, err);
      const watch = this.watch(run, () => slot.container.kill({ signal: 'SIGKILL' }));
      await ended;
      const { timedOut, aborted } = watch.stop();
      const info = await exec.inspect();
      // A killed container can leave the exec without an exit code: report SIGKILL's.
      const exitCode = info.ExitCode ?? 137;
      const oomKills = await readOomKills(containerOomFiles(slot.id));
      // Only a container that ran to an ordinary end, with the pool's limits and no OOM kill on its count, serves again.
      reusable = !timedOut && !aborted && !ownLimits && info.ExitCode !== null && info.ExitCode !== undefined && oomKills === 0;
      return this.result({ exitCode, timedOut, aborted, oomKilled: (oomKills ?? 0) > 0 }, out, err, started);
    } finally {
      await pool.release(slot, reusable ? userFor(run) : null);
    }
  }

  /** See SandboxService: the service is a cold container; runs beside it are containers that join its network namespace only. */
  async start(command: readonly string[], options: Omit<SandboxRunOptions, 'network'>): Promise<SandboxService> {
    const run = await resolveRun(command, { ...options, network: 'none' }, { limits: this.limits, timeoutMs: this.timeoutMs, ownedRoots: this.options.ownedRoots });
    return startDockerService({
      launch: (signal, onStarted) => this.guarded(() => this.runCold({ ...run, signal }, { onStarted })),
      beside: async (besideCommand, besideOptions, containerId) => {
        const beside = await resolveRun(besideCommand, { ...besideOptions, network: 'none' }, { limits: this.limits, timeoutMs: this.timeoutMs, ownedRoots: this.options.ownedRoots });
        return this.guarded(() => this.runCold(beside, { joinNetworkOf: containerId }));
      },
      ...(options.signal ? { signal: options.signal } : {}),
    });
  }

  /** Engine failures become SandboxErrors: the sandbox failed, not the command. */
  private async guarded(body: () => Promise<SandboxResult>): Promise<SandboxResult> {
    try {
      return await body();
    } catch (error) {
      if (error instanceof SandboxError) throw error;
      throw new SandboxError('sandbox_failed', `the docker sandbox failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** As runWarm: with run disks, settled once the container is removed, which ends every process of it. */
  private runCold(run: ResolvedRun, extra: ColdExtra = {}): Promise<SandboxResult> {
    return withRunDisk(this.options.disks, run.workspace, (disk) => this.runColdOn(onDisk(run, disk), extra, disk?.tmp));
  }

  private async runColdOn(run: ResolvedRun, extra: ColdExtra, tmp: string | undefined): Promise<SandboxResult> {
    const { docker, image, owner } = this.options;
    const started = Date.now();
    const out = new OutputTail(this.maxOutput);
    const err = new OutputTail(this.maxOutput);
    const registry = run.network === 'registry' ? this.options.registry : undefined;
    const container = await docker.createContainer(
      containerSpec({
        image,
        owner,
        kind: 'run',
        cmd: registry ? registry.wrap(run.argv) : run.argv,
        readOnlyBinds: registry ? [{ source: registry.dir, target: REGISTRY_MOUNT }] : [],
        limits: run.limits,
        workspaceSource: run.workspace,
        ...(tmp ? { tmpSource: tmp } : {}),
        readOnlyEntries: run.readOnlyEntries,
        maskedEntries: run.maskedEntries,
        readOnlyWorkspace: run.readOnlyWorkspace,
        ...(extra.joinNetworkOf ? { networkOf: extra.joinNetworkOf } : {}),
        propagate: false,
        maxFileBytes: this.options.maxFileBytes,
        user: userFor(run),
        workingDir: run.cwd,
        env: run.env,
      }),
    );
    try {
      const stream = await container.attach({ stream: true, stdout: true, stderr: true, hijack: true });
      const ended = collectOutput(this.options.docker.modem, stream, out, err);
      // next-exit: the default, not-running, would answer at once for a container not started yet.
      const exited = container.wait({ condition: 'next-exit' });
      await container.start();
      extra.onStarted?.(container.id);
      const watch = this.watch(run, () => container.kill({ signal: 'SIGKILL' }));
      const waited = (await exited) as { StatusCode?: number };
      await ended;
      const { timedOut, aborted } = watch.stop();
      const state = (await container.inspect()).State;
      const oomKills = await readOomKills(containerOomFiles(container.id));
      const oomKilled = Boolean(state.OOMKilled) || (oomKills ?? 0) > 0;
      return this.result({ exitCode: state.ExitCode ?? waited.StatusCode ?? -1, timedOut, aborted, oomKilled }, out, err, started);
    } finally {
      // The run is over only when its pid namespace is: on the normal path the engine already reported the exit
      // (PID 1 reaped, so every process of the container is gone); rm -f kills and waits for that on the others.
      await container.remove({ force: true }).catch(async (error: unknown) => {
        this.options.log?.warn('could not remove a sandbox container', { id: container.id, error: String(error) });
        if (!(await killContainer(this.options.docker, container.id))) {
          throw new SandboxError('sandbox_failed', `the sandbox container ${container.id.slice(0, 12)} could not be seen stopped: its processes may still run, so its workspace must not be cleaned up`);
        }
      });
    }
  }

  /** Kills on the wall-clock deadline or on abort, and remembers which. */
  private watch(run: ResolvedRun, kill: () => Promise<unknown>) {
    let timedOut = false;
    let aborted = false;
    const fire = () => void kill().catch(() => undefined);
    const timer = setTimeout(() => {
      timedOut = true;
      fire();
    }, run.timeoutMs);
    const onAbort = () => {
      aborted = true;
      fire();
    };
    if (run.signal?.aborted) onAbort();
    else run.signal?.addEventListener('abort', onAbort, { once: true });
    return {
      stop: () => {
        clearTimeout(timer);
        run.signal?.removeEventListener('abort', onAbort);
        return { timedOut, aborted };
      },
    };
  }

  private result(outcome: Outcome, out: OutputTail, err: OutputTail, started: number): SandboxResult {
    return {
      exitCode: outcome.exitCode,
      stdout: out.text(),
      stderr: err.text(),
      timedOut: outcome.timedOut,
      // A kill on the deadline is the timeout's doing, not memory's, unless the kernel counted an OOM kill.
      oomKilled: outcome.oomKilled,
      durationMs: Date.now() - started,
      ...(outcome.aborted ? { aborted: true } : {}),
    };
  }
}

/** What a service's container, or one beside it, adds to a cold run. */
interface ColdExtra {
  /** Join this container's network namespace instead of having none. */
  joinNetworkOf?: string;
  /** Called once the container runs (a service's: runs beside it join its network). */
  onStarted?: (containerId: string) => void;
}

const onDisk = (run: ResolvedRun, disk: RunDiskView | undefined): ResolvedRun => (disk ? { ...run, workspace: disk.workspace } : run);

/** Nothing of the command ran yet: the run may go to a fresh container instead. */
class StaleSlotError extends Error {
  override readonly name = 'StaleSlotError';
  constructor(cause: unknown) {
    super(`warm container unusable: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The command under a shell that, once it ends, kills every other process of
 * the run's user in the container, with the command's exit status kept. Only
 * a first sweep: the command can kill this shell, so what guarantees that
 * nothing of the run outlives it is the pool's host-side fence on release
 * (container-fence.ts).
 */
const killStraysAfter = (argv: readonly string[]) => ['sh', '-c', '"$@"; status=$?; kill -9 -1 2>/dev/null; exit $status', 'sh', ...argv];

const sameLimits = (a: SandboxLimits, b: SandboxLimits) =>
  a.cpus === b.cpus && a.memoryBytes === b.memoryBytes && a.pids === b.pids && a.tmpfsBytes === b.tmpfsBytes;
