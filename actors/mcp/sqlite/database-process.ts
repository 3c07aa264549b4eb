import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { ToolError } from '../tool.js';
import { defaultChildPaths, type ChildPaths } from './child-paths.js';
import { SETUP_HINT } from './guarded-open.js';
import { ChildMessage, ResultValue, type ChildConfig, type ChildRequest } from './protocol.js';

export interface DatabaseProcessOptions {
  file: string;
  readOnly: boolean;
  /** A statement (or a migration file, or a seed batch) running longer is stopped. */
  statementTimeoutMs: number;
  /** Cap on the child's data memory (RLIMIT_DATA through prlimit): SQLite then fails with "out of memory" instead of growing. */
  memoryLimitMb?: number;
  paths?: ChildPaths;
}

/** A request without its id; the id is added when it is sent. */
type Request = ChildRequest extends infer R ? (R extends ChildRequest ? Omit<R, 'id'> : never) : never;

const START_TIMEOUT_MS = 10_000;
const DEFAULT_MEMORY_LIMIT_MB = 512;
const PRLIMIT = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));

interface Running {
  child: ChildProcess;
  /** Settles with the child's first message: ready, or why it cannot serve. */
  ready: Promise<void>;
  pending: { id: number; resolve: (value: unknown) => void; reject: (error: Error) => void } | null;
  exitReason: Error | null;
}

/**
 * The job database, in a child process the parent can kill. Started on first
 * use and kept between calls (process-pool.ts shares it between server
 * instances); requests go one at a time, each with its own deadline. A statement past the deadline
 * gets the child SIGKILLed and the call an error; the next call starts a
 * fresh child. The child never keeps this process alive.
 */
export class DatabaseProcess {
  #running: Running | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #nextId = 0;
  #closed = false;

  constructor(private readonly options: DatabaseProcessOptions) {}

  /** Sends one request and waits for its answer; requests queue behind each other so each deadline covers only its own work. */
  request<T extends Request['type']>(request: Extract<Request, { type: T }>): Promise<ResultValue<T>> {
    const next = this.#queue.then(() => this.#send(request));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Stops the child: gently when idle (SQLite closes its file), with SIGKILL when a statement is running. */
  close(): void {
    this.#closed = true;
    const running = this.#running;
    this.#running = null;
    if (!running) return;
    if (running.pending) running.child.kill('SIGKILL');
    else if (running.child.connected) running.child.disconnect();
  }

  /** The child's pid, for tests that check it goes away. */
  get pid(): number | undefined {
    return this.#running?.child.pid;
  }

  async #send<T extends Request['type']>(request: Extract<Request, { type: T }>): Promise<ResultValue<T>> {
    if (this.#closed) throw new ToolError('unavailable', 'the database server was closed; connect again');
    const running = this.#running ?? this.#start();
    // Held only while a call waits on the child (its start included), so an idle child never keeps this process alive.
    running.child.channel?.ref();
    try {
      await running.ready;
      return await this.#exchange(running, request);
    } finally {
      if (this.#running === running) running.child.channel?.unref();
    }
  }

  async #exchange<T extends Request['type']>(running: Running, request: Extract<Request, { type: T }>): Promise<ResultValue<T>> {
    const id = this.#nextId++;
    const answer = new Promise<unknown>((resolve, reject) => {
      running.pending = { id, resolve, reject };
    });
    const timeoutMs = this.options.statementTimeoutMs;
    const timer = setTimeout(() => {
      running.exitReason = new ToolError(
        'timeout',
        `statement exceeded ${timeoutMs} ms and was stopped; add a LIMIT or a WHERE (the limit is config mcp.database.statementTimeoutMs)`,
      );
      running.child.kill('SIGKILL');
    }, timeoutMs);
    try {
      running.child.send({ ...request, id });
      const value = await answer;
      // Validated against the request's own result type: the child answers by id, not by type.
      return ResultValue[request.type].parse(value) as ResultValue<T>;
    } finally {
      clearTimeout(timer);
      running.pending = null;
    }
  }

  #start(): Running {
    const paths = this.options.paths ?? defaultChildPaths();
    if (!existsSync(paths.script)) throw new ToolError('unavailable', `the database process script ${paths.script} is missing; ${SETUP_HINT}`);
    if (!existsSync(paths.guard)) throw new ToolError('unavailable', `the SQLite guard ${paths.guard} is missing; ${SETUP_HINT}`);
    const config: ChildConfig = { file: this.options.file, readOnly: this.options.readOnly, guardPath: paths.guard };
    const node = [process.execPath, '--max-old-space-size=64', paths.script, JSON.stringify(config)];
    const memoryBytes = (this.options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * 1024 * 1024;
    const command = PRLIMIT ?? process.execPath;
    const args = PRLIMIT ? [`--data=${memoryBytes}`, ...node] : node.slice(1);
    const env = { ...process.env };
    // The child is our own script: no loaders or flags meant for the parent.
    delete env.NODE_OPTIONS;
    // stdout ignored: over `autodev mcp serve` the parent's stdout is the MCP channel.
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env, serialization: 'json' });
    child.unref();
    child.channel?.unref();

    let settleReady: { resolve: () => void; reject: (error: Error) => void } | undefined;
    const running: Running = {
      child,
      ready: new Promise<void>((resolve, reject) => (settleReady = { resolve, reject })),
      pending: null,
      exitReason: null,
    };
    // Nobody may be waiting on `ready` when the child fails; the caller of #send sees the error instead.
    running.ready.catch(() => undefined);
    const startTimer = setTimeout(() => {
      running.exitReason = new ToolError('unavailable', `the database process did not start within ${START_TIMEOUT_MS} ms`);
      child.kill('SIGKILL');
    }, START_TIMEOUT_MS);
    startTimer.unref();

    child.on('message', (raw: unknown) => {
      const parsed = ChildMessage.safeParse(raw);
      if (!parsed.success) {
        running.exitReason = new ToolError('failed', 'the database process sent a malformed answer and was stopped; try again');
        child.kill('SIGKILL');
        return;
      }
      const message = parsed.data;
      switch (message.type) {
        case 'ready':
          clearTimeout(startTimer);
          settleReady?.resolve();
          return;
        case 'fatal':
          running.exitReason = new ToolError('unavailable', message.message);
          return;
        case 'ok':
          if (running.pending?.id === message.id) running.pending.resolve(message.value);
          return;
        case 'failure':
          if (running.pending?.id === message.id) running.pending.reject(new ToolError(message.code, message.message));
      }
    });
    child.on('error', (error) => {
      running.exitReason ??= new ToolError('unavailable', `the database process could not be started: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(startTimer);
      if (this.#running === running) this.#running = null;
      const reason =
        running.exitReason ??
        new ToolError('failed', `the database process stopped unexpectedly (${signal ?? `exit code ${code}`}); the call was not completed; try again`);
      settleReady?.reject(reason);
      running.pending?.reject(reason);
    });
    this.#running = running;
    return running;
  }
}
