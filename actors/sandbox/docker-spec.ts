import { posix } from 'node:path';
import type { ContainerCreateOptions } from 'dockerode';
import { describeHostRoot, type HostRoot } from './host-root.js';
import { DEFAULT_MAX_FILE_BYTES, SANDBOX_WORKSPACE, type ResolvedRun } from './run-options.js';
import type { SandboxLimits } from './sandbox.js';

export const SANDBOX_LABEL = 'org.autodev.sandbox';
export const OWNER_LABEL = 'org.autodev.sandbox.owner';

export interface SpecInput {
  image: string;
  owner: string;
  kind: 'run' | 'pool';
  cmd: string[];
  limits: SandboxLimits;
  /** Host folder shown at /workspace. */
  workspaceSource: string;
  /** Host folder bound at /tmp instead of a tmpfs: a run disk's (run-disk.ts), or a warm slot's mount point for one. */
  tmpSource?: string;
  /** rslave lets a mount made on the host later (the warm pool's workspace) appear inside. */
  propagate: boolean;
  user?: string;
  workingDir?: string;
  env?: Record<string, string>;
  host?: HostRoot;
  /** RLIMIT_FSIZE for every process in the container. */
  maxFileBytes?: number;
  /** Workspace entries (relative) shown read-only over the writable workspace: its `.git`s. */
  readOnlyEntries?: readonly string[];
  /** Workspace files (top-level names) shown as an empty read-only file: see masked-entries.ts. */
  maskedEntries?: readonly string[];
  /** The workspace is mounted read-only (the acceptance judge's folder). */
  readOnlyWorkspace?: boolean;
  /**
   * A container whose network namespace this one joins (a run beside a
   * service): it then has that container's loopback and nothing else, and
   * still its own pid, IPC and mount namespaces.
   */
  networkOf?: string;
  /** More read-only binds, e.g. the registry proxy's folder. */
  readOnlyBinds?: Array<{ source: string; target: string }>;
}

/** Hard limits that hold for a container's whole life, whatever runs in it. */
export function resourceLimits(limits: SandboxLimits) {
  return {
    NanoCpus: Math.round(limits.cpus * 1e9),
    Memory: limits.memoryBytes,
    // Equal to Memory: no swap, so a runaway allocation is OOM-killed, not slowed.
    MemorySwap: limits.memoryBytes,
    PidsLimit: limits.pids,
  };
}

export function containerSpec(input: SpecInput): ContainerCreateOptions {
  const host = input.host ?? describeHostRoot();
  return {
    Image: input.image,
    Cmd: input.cmd,
    User: input.user,
    WorkingDir: input.workingDir ?? SANDBOX_WORKSPACE,
    Env: Object.entries(input.env ?? {}).map(([k, v]) => `${k}=${v}`),
    Labels: { [SANDBOX_LABEL]: input.kind, [OWNER_LABEL]: input.owner },
    ...(input.networkOf ? {} : { NetworkDisabled: true }),
    HostConfig: {
      NetworkMode: input.networkOf ? `container:${input.networkOf}` : 'none',
      // Explicit, whatever the engine's default: a run beside a service must not share its IPC.
      IpcMode: 'private',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ...resourceLimits(input.limits),
      Ulimits: [{ Name: 'fsize', Soft: input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, Hard: input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }],
      ...(input.tmpSource ? {} : { Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${input.limits.tmpfsBytes},mode=1777` } }),
      Mounts: [
        ...(input.tmpSource
          ? [{ Type: 'bind' as const, Source: input.tmpSource, Target: '/tmp', ReadOnly: false, ...(input.propagate ? { BindOptions: { Propagation: 'rslave' as const } } : {}) }]
          : []),
        ...host.readOnlyDirs.map((dir) => ({ Type: 'bind' as const, Source: dir, Target: dir, ReadOnly: true })),
        ...(input.readOnlyBinds ?? []).map((b) => ({ Type: 'bind' as const, Source: b.source, Target: b.target, ReadOnly: true })),
        {
          Type: 'bind' as const,
          Source: input.workspaceSource,
          Target: SANDBOX_WORKSPACE,
          ReadOnly: input.readOnlyWorkspace === true,
          ...(input.propagate ? { BindOptions: { Propagation: 'rslave' as const } } : {}),
        },
        // Listed after the workspace: Docker mounts parents before what lies inside them.
        ...(input.readOnlyEntries ?? []).map((entry) => ({
          Type: 'bind' as const,
          Source: posix.join(input.workspaceSource, entry),
          Target: posix.join(SANDBOX_WORKSPACE, entry),
          ReadOnly: true,
        })),
        ...(input.maskedEntries ?? []).map((entry) => ({ Type: 'bind' as const, Source: '/dev/null', Target: posix.join(SANDBOX_WORKSPACE, entry), ReadOnly: true })),
      ],
    },
  };
}

export const userFor = (run: Pick<ResolvedRun, 'uid' | 'gid'>) => `${run.uid}:${run.gid}`;
