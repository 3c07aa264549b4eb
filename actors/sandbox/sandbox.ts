/**
 * One way to run untrusted, generated code, whatever isolates it. Workers,
 * the validation pipeline, the filesystem MCP server's execute_code and
 * `autodev sandbox run` all go through this.
 */
export interface SandboxLimits {
  /** CPU cores, fractional allowed. */
  cpus: number;
  memoryBytes: number;
  pids: number;
  tmpfsBytes: number;
}

export type SandboxNetwork =
  /** No network at all: the default for everything that runs generated code. */
  | 'none'
  /** Only the package registry, for a dependency-install step. */
  | 'registry';

export interface SandboxRunOptions {
  /** Host folder mounted at /workspace, read-write. */
  workspace: string;
  limits?: Partial<SandboxLimits>;
  network?: SandboxNetwork;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Working folder inside the sandbox, relative to /workspace. */
  cwd?: string;
  signal?: AbortSignal;
  /**
   * Who runs the command. 'judge' is the acceptance checker: a uid of its
   * own (never the judged code's), its workspace read-only and never handed
   * over, so nothing the judged code does can reach it (see judge-user.ts).
   */
  as?: 'judge';
  /** The workspace is shown read-only; nothing in it is handed over to the sandbox user. */
  readOnlyWorkspace?: boolean;
  /** Top-level workspace files the command must not read (npm's `.npmrc`): see masked-entries.ts. */
  maskedEntries?: readonly string[];
}

/** A run beside a service: its network is the service's, so `network` is not the caller's to choose. */
export type BesideRunOptions = Omit<SandboxRunOptions, 'network'>;

/**
 * A command that keeps running (an app under acceptance), started with
 * network 'none': its network namespace holds only its own loopback. Other
 * commands can run beside it, each in a sandbox of its own (own pid
 * namespace, own mounts, own /tmp) that shares nothing with it but that
 * network namespace: this is how the judge reaches the app without sharing a
 * uid, a pid namespace or a writable channel with it.
 */
export interface SandboxService {
  /** Settles with the service's result when it ends: stopped, crashed, or exited on its own. */
  readonly ended: Promise<SandboxResult>;
  /** Runs a command in a separate sandbox that joins only this service's network namespace. */
  runBeside(command: readonly string[], options: BesideRunOptions): Promise<SandboxResult>;
  /** Kills the service and everything it started, waits until all of it is dead, and gives its result. */
  stop(): Promise<SandboxResult>;
}

export interface SandboxResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  oomKilled: boolean;
  durationMs: number;
  /** True when options.signal stopped the run; the command was killed, not finished. */
  aborted?: boolean;
}

export type SandboxBackendName = 'docker' | 'bubblewrap' | 'none';

export interface Sandbox {
  readonly backend: SandboxBackendName;
  /** argv form only: a shell, when wanted, is asked for explicitly as ['sh', '-c', ...]. */
  run(command: readonly string[], options: SandboxRunOptions): Promise<SandboxResult>;
  /** Starts a long-running command; its timeout still bounds its whole life. Network is always 'none'. */
  start(command: readonly string[], options: Omit<SandboxRunOptions, 'network'>): Promise<SandboxService>;
  close(): Promise<void>;
}
