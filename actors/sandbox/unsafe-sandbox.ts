import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Sandbox, SandboxResult, SandboxRunOptions, SandboxService } from './sandbox.js';
import { OutputTail } from './output-tail.js';
import { removeTree } from '../fs/safe-tree.js';

export interface UnsafeSandboxOptions {
  /** Bytes kept of each of stdout and stderr; the rest is dropped, the tail kept. */
  maxOutputBytes?: number;
  defaultTimeoutMs?: number;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * No isolation at all: the command runs as the daemon's user, in the
 * workspace, on the host. Only the wall-clock limit and the output cap hold;
 * memory, CPU, pids, tmpfs and network limits are NOT enforced. It exists for
 * development and for `--unsafe-no-sandbox`, never as a silent default.
 * Like the real sandboxes' private /tmp, each run gets its own TMPDIR,
 * removed when it ends, so tools that forget their temporary files (Node's
 * test coverage, for one) do not leave them on the host.
 */
export class UnsafeSandbox implements Sandbox {
  readonly backend = 'none' as const;
  private readonly maxOutput: number;
  private readonly defaultTimeoutMs: number;
  private readonly running = new Set<number>();

  constructor(options: UnsafeSandboxOptions = {}) {
    this.maxOutput = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  run(command: readonly string[], options: SandboxRunOptions): Promise<SandboxResult> {
    const [file, ...args] = command;
    if (!file) return Promise.reject(new TypeError('sandbox run needs a command: pass at least the program name'));
    const started = Date.now();
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    const scratch = mkdtempSync(join(tmpdir(), 'autodev-unsafe-tmp-'));
    // The command wrote its temp files here, and what it started may still run: removed by descriptor, never through a link.
    const removeScratch = () => removeTree(scratch).catch(() => undefined);
    return new Promise((done, fail) => {
      const child = spawn(file, args, {
        cwd: resolve(options.workspace, options.cwd ?? '.'),
        // A fresh process group, so a timeout kills the command's children too.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: options.workspace, CI: '1', TMPDIR: scratch, TMP: scratch, TEMP: scratch, ...options.env },
      });
      const out = new OutputTail(this.maxOutput);
      const err = new OutputTail(this.maxOutput);
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      let timedOut = false;
      const killGroup = () => {
        if (child.pid === undefined) return;
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, timeoutMs);
      const onAbort = () => killGroup();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (child.pid !== undefined) this.running.add(child.pid);
      child.once('error', (error) => {
        clearTimeout(timer);
        void removeScratch().then(() => fail(new Error(`cannot start ${file}: ${error.message}`, { cause: error })));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (child.pid !== undefined) this.running.delete(child.pid);
        // Leftover grandchildren of a finished command are not allowed to outlive it.
        killGroup();
        const result = {
          exitCode: code ?? (signal ? 128 + signalNumber(signal) : -1),
          stdout: out.text(),
          stderr: err.text(),
          timedOut,
          oomKilled: false,
          durationMs: Date.now() - started,
        };
        void removeScratch().then(() => done(result));
      });
    });
  }

  /**
   * No isolation here either: the service runs on the host, and what runs
   * beside it shares the host's network and user with it. This backend is
   * never chosen silently, and a judge run through it says so (backend 'none').
   */
  async start(command: readonly string[], options: Omit<SandboxRunOptions, 'network'>): Promise<SandboxService> {
    const stopper = new AbortController();
    const ended = this.run(command, { ...options, signal: options.signal ? AbortSignal.any([options.signal, stopper.signal]) : stopper.signal });
    ended.catch(() => undefined);
    return {
      ended,
      runBeside: (besideCommand, besideOptions) => this.run(besideCommand, besideOptions),
      stop: async () => {
        stopper.abort();
        return ended;
      },
    };
  }

  async close(): Promise<void> {
    for (const pid of this.running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    this.running.clear();
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 1;
}
