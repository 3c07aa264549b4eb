import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type Dockerode from 'dockerode';
import type { Logger } from '../actors/log/logger.js';
import { isRoot, mountsUnder, unmount } from '../actors/sandbox/bind-mount.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { chooseBackend, type BackendChoice, type BackendProbes } from '../actors/sandbox/choose-backend.js';
import { ensureBaseImage } from '../actors/sandbox/docker-image.js';
import { WarmPool } from '../actors/sandbox/docker-pool.js';
import { DockerSandbox } from '../actors/sandbox/docker-sandbox.js';
import { SandboxError } from '../actors/sandbox/errors.js';
import { RegistryProxy } from '../actors/sandbox/registry-proxy.js';
import { openRunDisks, reclaimRunDisks, type RunDisks } from '../actors/sandbox/run-disks.js';
import { describeHostRoot } from '../actors/sandbox/host-root.js';
import type { Sandbox } from '../actors/sandbox/sandbox.js';
import { SANDBOX_GID, SANDBOX_UID } from '../actors/sandbox/sandbox-user.js';
import type { SandboxConfig } from './config.js';
import { engineSocket, loadDockerode, pingSocket, resolveDockerdBin, startDockerEngine, stopLeftoverEngine, type DockerEngine } from '../actors/engines/docker-engine.js';

const run = promisify(execFile);

export interface SandboxRuntimeOptions {
  home: string;
  config: SandboxConfig;
  /** --unsafe-no-sandbox, or config.unsafeNoSandbox. */
  unsafeNoSandbox: boolean;
  /** Builds the no-isolation backend; only called when that was explicitly allowed. */
  createUnsafe?: () => Sandbox;
  /**
   * Whether close() stops a daemon-owned engine that was already running when
   * opened: the daemon adopts what a killed predecessor left, the CLI borrows
   * the running daemon's engine and must leave it alone.
   */
  stopAdoptedEngine?: boolean;
  /**
   * The trees the daemon made, the only places a root-owned workspace is
   * handed over (chowned) to the sandbox user: anything else is refused, never
   * changed (see sandbox-user.ts). Default: the home folder alone.
   */
  ownedRoots?: readonly string[];
  log?: Logger;
}

const ownedRootsOf = (options: SandboxRuntimeOptions): readonly string[] => options.ownedRoots ?? [options.home];

export interface SandboxRuntime {
  sandbox: Sandbox;
  choice: BackendChoice;
  /** Set when the sandbox runs on a dockerd this process started or adopted. */
  engine?: DockerEngine;
  warmPool: boolean;
  close(): Promise<void>;
}

/** The daemon-owned engine's folder; the CLI and the daemon share it, so they share one engine. */
export const engineDir = (home: string) => join(home, 'sandbox', 'engine');

/**
 * The probes behind the choice, cheap enough for `autodev doctor`: they look,
 * ping and try bwrap once, but start nothing.
 */
export function sandboxProbes(options: Pick<SandboxRuntimeOptions, 'home' | 'config'>): BackendProbes {
  const { config, home } = options;
  return {
    async docker() {
      if (await pingSocket(config.dockerSocket)) return { ok: true, detail: `a Docker engine answers on ${config.dockerSocket}` };
      const owned = engineSocket(engineDir(home));
      if (await pingSocket(owned)) return { ok: true, detail: `the daemon-owned Docker engine answers on ${owned}` };
      if (!config.ownEngine) return { ok: false, reason: `no engine answers on ${config.dockerSocket}, and sandbox.ownEngine is false` };
      const bin = resolveDockerdBin(config.dockerdBin);
      if (!bin) return { ok: false, reason: `no engine answers on ${config.dockerSocket}, and dockerd is not installed` };
      if (!isRoot()) return { ok: false, reason: `no engine answers on ${config.dockerSocket}, and starting ${bin} needs root` };
      return { ok: true, detail: `no engine answers on ${config.dockerSocket}; a daemon-owned ${bin} is started in ${engineDir(home)}` };
    },
    async bubblewrap() {
      try {
        const host = describeHostRoot();
        const binds = [...host.readOnlyDirs.flatMap((d) => ['--ro-bind', d, d]), ...host.links.flatMap((l) => ['--symlink', l.target, l.path])];
        const bwrap = ['bwrap', '--unshare-all', '--unshare-user', '--die-with-parent', ...binds, '--', '/usr/bin/true'];
        // A root daemon starts bwrap as nobody (sandbox-user.ts), which needs unprivileged user namespaces: probe that path.
        const argv = isRoot() ? ['setpriv', `--reuid=${SANDBOX_UID}`, `--regid=${SANDBOX_GID}`, '--clear-groups', '--', ...bwrap] : bwrap;
        await run(argv[0] as string, argv.slice(1), { timeout: 10_000 });
        return { ok: true, detail: isRoot() ? 'bwrap runs as nobody with every namespace unshared' : 'bwrap runs with every namespace unshared' };
      } catch (error) {
        const e = error as NodeJS.ErrnoException & { stderr?: string };
        const missing = e.code === 'ENOENT' || /failed to execute bwrap/.test(e.stderr ?? '');
        return { ok: false, reason: missing ? (isRoot() ? 'bwrap (or util-linux setpriv) is not installed' : 'bwrap is not installed') : `bwrap cannot create namespaces here as an unprivileged user: ${(e.stderr ?? e.message).trim()}` };
      }
    },
  };
}

/** Chooses the backend and builds it: engine, base image and warm pool for Docker. */
export async function openSandbox(options: SandboxRuntimeOptions): Promise<SandboxRuntime> {
  const { config, log } = options;
  const unsafe = options.unsafeNoSandbox || config.unsafeNoSandbox;
  const choice = await chooseBackend(config.backend, unsafe, sandboxProbes(options));
  log?.info('sandbox backend chosen', { backend: choice.backend, reason: choice.reason });
  if (choice.backend === 'bubblewrap') return openBubblewrap(options, choice);
  if (choice.backend === 'none') {
    if (!options.createUnsafe) throw new SandboxError('sandbox_unavailable', 'no unsafe backend was provided to run without a sandbox');
    log?.warn('generated code runs WITHOUT a sandbox (--unsafe-no-sandbox)');
    const sandbox = options.createUnsafe();
    return { sandbox, choice, warmPool: false, close: () => sandbox.close() };
  }
  try {
    return await openDocker(options, choice);
  } catch (error) {
    // dockerd can be installed and still unable to run (no overlay, no cgroups in a nested
    // container): in auto mode that is a reason to use bubblewrap, not to run nothing.
    if (config.backend !== 'auto') throw error;
    const bwrap = await sandboxProbes(options).bubblewrap();
    if (!bwrap.ok) throw error;
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    log?.warn('the Docker sandbox failed to open; using bubblewrap', { error: why });
    return openBubblewrap(options, {
      backend: 'bubblewrap',
      reason: `Docker failed to open (${why}); ${bwrap.detail}`,
      considered: [...choice.considered, { backend: 'bubblewrap', ok: true, detail: bwrap.detail }],
    });
  }
}

async function openBubblewrap(options: SandboxRuntimeOptions, choice: BackendChoice): Promise<SandboxRuntime> {
  const registry = await startRegistryProxy(options);
  const disks = await openDisks(options);
  const sandbox = new BubblewrapSandbox({ limits: options.config.limits, timeoutMs: options.config.timeoutMs, registry, ownedRoots: ownedRootsOf(options), ...(disks ? { disks } : {}) });
  return {
    sandbox,
    choice,
    warmPool: false,
    async close() {
      await sandbox.close();
      await disks?.close();
      await registry.close();
    },
  };
}

async function openDocker(options: SandboxRuntimeOptions, choice: BackendChoice): Promise<SandboxRuntime> {
  const { config, home, log } = options;
  const limits = config.limits;
  let engine: DockerEngine | undefined;
  let registry: RegistryProxy | undefined;
  let disks: RunDisks | undefined;
  let socketPath = config.dockerSocket;
  if (!(await pingSocket(socketPath))) {
    engine = await startDockerEngine({ dir: engineDir(home), bin: config.dockerdBin });
    socketPath = engine.socketPath;
    log?.info(engine.started ? 'started a daemon-owned dockerd' : 'adopted the daemon-owned dockerd', { pid: engine.pid, socket: socketPath });
  }
  try {
    const docker = new (await loadDockerode())({ socketPath });
    const image = await ensureBaseImage(docker, config.image);
    if (image.built) log?.info('built the sandbox base image', { image: config.image, ms: image.durationMs });
    // One owner per home folder: a restart removes exactly what the previous run of this daemon left.
    const owner = createHash('sha256').update(home).digest('hex').slice(0, 16);
    const removed = await DockerSandbox.removeLeftovers(docker, owner);
    if (removed > 0) log?.info('removed leftover sandbox containers', { count: removed });
    disks = await openDisks(options);
    const pool = await startPool(options, docker, owner, Boolean(disks));
    registry = await startRegistryProxy(options);
    const sandbox = new DockerSandbox({ docker, image: config.image, owner, limits, timeoutMs: config.timeoutMs, pool, registry, log, ownedRoots: ownedRootsOf(options), ...(disks ? { disks } : {}) });
    return {
      sandbox,
      choice,
      engine,
      warmPool: Boolean(pool),
      async close() {
        await sandbox.close();
        await disks?.close();
        await registry?.close();
        if (engine && (engine.started || options.stopAdoptedEngine !== false)) await engine.stop();
      },
    };
  } catch (error) {
    await disks?.close();
    await registry?.close();
    if (engine?.started) await engine.stop();
    throw error;
  }
}

/** Handing a workspace to a started container is a host bind mount: root only, and mount may still be refused. */
async function startPool(options: SandboxRuntimeOptions, docker: Dockerode, owner: string, bindTmp: boolean): Promise<WarmPool | undefined> {
  const { config, home, log } = options;
  if (config.warmPoolSize === 0 || !isRoot()) return undefined;
  const pool = new WarmPool({ docker, image: config.image, owner, dir: join(home, 'sandbox', 'pool'), size: config.warmPoolSize, limits: config.limits, reuse: config.reuseContainers, bindTmp, log });
  try {
    await pool.start();
    return pool;
  } catch (error) {
    log?.warn('no warm pool: every sandbox run starts a container', { error: String(error) });
    await pool.close().catch(() => undefined);
    return undefined;
  }
}

/** Each run's disk volume, where the daemon can make them (root, loop devices); see run-disk.ts. */
const openDisks = (options: SandboxRuntimeOptions): Promise<RunDisks | undefined> =>
  openRunDisks({ parent: disksDir(options.home), limitMb: options.config.diskLimitMb, ...(options.log ? { log: options.log } : {}) });

const disksDir = (home: string) => join(home, 'sandbox', 'disk');

/** One proxy per process, in its own folder: the daemon and a CLI run may both have one. */
async function startRegistryProxy(options: SandboxRuntimeOptions): Promise<RegistryProxy> {
  const dir = join(options.home, 'sandbox', `registry-${process.pid}`);
  const proxy = new RegistryProxy({ dir, registries: options.config.registries, log: options.log });
  await proxy.start();
  return proxy;
}

/**
 * Run at daemon start, before anything opens a sandbox: a daemon killed with
 * SIGKILL leaves its engine shutting down, the container overlays it had not
 * unmounted, and the warm pool's shared mount, all under <home>/sandbox.
 * Nothing else may be using them (one daemon per home), so they go.
 */
export async function reclaimSandboxLeftovers(home: string, log?: Logger): Promise<void> {
  const stopped = await stopLeftoverEngine(engineDir(home));
  const points = await mountsUnder(join(home, 'sandbox'));
  for (const point of points) await unmount(point).catch((error: unknown) => log?.warn('could not unmount a sandbox leftover', { point, error: String(error) }));
  // Loop devices and images of run disks: unmounting freed most devices (autoclear), this frees the rest.
  await reclaimRunDisks(disksDir(home)).catch((error: unknown) => log?.warn('could not reclaim leftover run disks', { error: String(error) }));
  if (stopped || points.length) log?.info('cleaned up after a previous daemon', { stoppedEngine: stopped, unmounted: points.length });
}

/**
 * The daemon opens the sandbox on first use, not at start: most daemon runs
 * (and most tests) never run generated code, and a dockerd costs a second of
 * start-up and some memory.
 */
export function lazySandbox(open: () => Promise<SandboxRuntime>): { get(): Promise<SandboxRuntime>; close(): Promise<void> } {
  let opening: Promise<SandboxRuntime> | undefined;
  let closed = false;
  return {
    get() {
      // Once closed, nothing opens it again: an open begun by work still winding down would mount and start
      // what the daemon's stop has already cleaned up, and leave it behind.
      if (closed) return Promise.reject(new SandboxError('sandbox_unavailable', 'the daemon is stopping: the sandbox is closed'));
      opening ??= open();
      // A failed open is retried on the next use, after the user fixed the cause.
      opening.catch(() => (opening = undefined));
      return opening;
    },
    async close() {
      closed = true;
      const current = opening;
      opening = undefined;
      if (current) await (await current.catch(() => undefined))?.close();
    },
  };
}
