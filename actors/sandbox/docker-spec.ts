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
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ...resourceLimits(input.limits),
      Ulimits: [{ Name: 'fsize', Soft: input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, Hard: input.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES }],
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${input.limits.tmpfsBytes},mode=1777` },
      Mounts: [
        ...host.readOnlyDirs.map((dir) => ({ Type: 'bind' as const, Source: dir, Target: dir, ReadOnly: true })),
        ...(input.readOnlyBinds ?? []).map((b) => ({ Type: 'bind' as const, Source: b.source, Target: b.target, ReadOnly: true })),
        {
          Type: 'bind' as const,
          Source: input.workspaceSource,
          Target: SANDBOX_WORKSPACE,
          ReadOnly: false,
          ...(input.propagate ? { BindOptions: { Propagation: 'rslave' as const } } : {}),
        },
        // Listed after the workspace: Docker mounts parents before what lies inside them.
        ...(input.readOnlyEntries ?? []).map((entry) => ({
          Type: 'bind' as const,
          Source: posix.join(input.workspaceSource, entry),
          Target: posix.join(SANDBOX_WORKSPACE, entry),
          ReadOnly: true,
        })),
      ],
    },
  };
}

export const userFor = (run: Pick<ResolvedRun, 'uid' | 'gid'>) => `${run.uid}:${run.gid}`;
