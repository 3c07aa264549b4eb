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
  close(): Promise<void>;
}
