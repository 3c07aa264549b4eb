import { DatabaseProcess, type DatabaseProcessOptions } from './database-process.js';

/** A pooled child, lent to one server instance until it is released. */
export interface DatabaseLease {
  readonly process: DatabaseProcess;
  release(): void;
}

interface Entry {
  process: DatabaseProcess;
  users: number;
  idle: NodeJS.Timeout | null;
}

/**
 * Keeps a job's database child warm between server instances. Over HTTP
 * every request builds a fresh server, and starting a child costs a Node
 * start-up (measured 1.6x a bare `node -e ''`), far more than the call.
 * Servers for the same file and settings share one child (its requests
 * queue, as SQLite would serialise them anyway); it is closed once no
 * server has used it for `idleMs`. Idle children never keep this process
 * alive, and die with it.
 */
export class DatabaseProcessPool {
  readonly #entries = new Map<string, Entry>();
  constructor(private readonly idleMs = 60_000) {}

  acquire(options: DatabaseProcessOptions): DatabaseLease {
    const key = JSON.stringify([options.file, options.readOnly, options.statementTimeoutMs, options.memoryLimitMb ?? null, options.paths ?? null]);
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { process: new DatabaseProcess(options), users: 0, idle: null };
      this.#entries.set(key, entry);
    }
    const current = entry;
    if (current.idle) clearTimeout(current.idle);
    current.idle = null;
    current.users++;
    let released = false;
    return {
      process: current.process,
      release: () => {
        if (released) return;
        released = true;
        if (--current.users > 0) return;
        const close = () => {
          if (this.#entries.get(key) === current) this.#entries.delete(key);
          current.process.close();
        };
        if (this.idleMs <= 0) return close();
        current.idle = setTimeout(close, this.idleMs);
        current.idle.unref();
      },
    };
  }
}

let shared: DatabaseProcessPool | undefined;

/** The process-wide pool the database servers use unless given one; created on first use. */
export function sharedDatabaseProcessPool(): DatabaseProcessPool {
  shared ??= new DatabaseProcessPool();
  return shared;
}
