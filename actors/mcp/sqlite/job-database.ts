import Database from 'better-sqlite3';
import { openGuarded } from './guarded-open.js';
import type { ChildConfig, FailureCode, QueryResult, SqlValue } from './protocol.js';

/** A failure to report to the caller; the message says what was wrong and what to do. */
export class SqlFailure extends Error {
  override readonly name = 'SqlFailure';
  constructor(
    readonly code: FailureCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

const MIGRATIONS_TABLE = '_autodev_migrations';

/**
 * The job's database as the child process sees it: one guarded handle,
 * opened on first use. Runs inside the child only; every method is
 * synchronous, and the parent stops the process if one takes too long.
 */
export class JobDatabase {
  #db: Database.Database | null = null;
  constructor(private readonly config: ChildConfig) {}

  query(sql: string, params: SqlValue[], maxRows: number): QueryResult {
    const stmt = prepare(this.#handle(), sql);
    if (this.config.readOnly && !stmt.readonly) {
      throw new SqlFailure('denied', 'the database is in read-only mode (config mcp.database.readOnly); a statement that writes is refused');
    }
    if (!stmt.reader) {
      const info = sqlite(() => stmt.run(...params));
      return { columns: [], rows: [], truncated: false, changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
    }
    const columns = stmt.columns().map((c) => c.name);
    const rows: Record<string, unknown>[] = [];
    return sqlite(() => {
      for (const row of stmt.iterate(...params) as Iterable<Record<string, unknown>>) {
        if (rows.length >= maxRows) return { columns, rows, truncated: true, changes: 0, lastInsertRowid: null };
        rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toJson(v)])));
      }
      return { columns, rows, truncated: false, changes: 0, lastInsertRowid: null };
    });
  }

  /** Runs DDL on a throwaway in-memory database, so a broken migration never reaches the repository. */
  check(sql: string): void {
    const probe = openGuarded(':memory:', { readOnly: false, guardPath: this.config.guardPath });
    try {
      sqlite(() => probe.exec(sql));
    } finally {
      probe.close();
    }
  }

  appliedMigrations(): string[] {
    const db = this.#handle();
    db.exec(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (file TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
    return (db.prepare(`SELECT file FROM ${MIGRATIONS_TABLE}`).all() as Array<{ file: string }>).map((r) => r.file);
  }

  /** One migration file in its own transaction, recorded in the same transaction. */
  applyMigration(file: string, sql: string): void {
    const db = this.#handle();
    try {
      db.transaction(() => {
        db.exec(sql);
        db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (file, applied_at) VALUES (?, ?)`).run(file, new Date().toISOString());
      })();
    } catch (error) {
      throw new SqlFailure('failed', `migration ${file} failed and was rolled back: ${explain(error)}; fix the file and migrate again`, { cause: error });
    }
  }

  /** `table` and the column names are checked as plain identifiers by the tool's input schema. */
  seed(table: string, rows: Array<Record<string, SqlValue>>): number {
    const db = this.#handle();
    const insertAll = db.transaction(() => {
      let inserted = 0;
      for (const row of rows) {
        const columns = Object.keys(row);
        if (columns.length === 0) throw new SqlFailure('invalid', 'a row has no columns; give each row at least one column: value');
        const stmt = prepare(db, `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        inserted += stmt.run(...columns.map((c) => row[c] ?? null)).changes;
      }
      return inserted;
    });
    return sqlite(() => insertAll());
  }

  close(): void {
    this.#db?.close();
    this.#db = null;
  }

  #handle(): Database.Database {
    this.#db ??= openGuarded(this.config.file, { readOnly: this.config.readOnly, guardPath: this.config.guardPath });
    return this.#db;
  }
}

function prepare(db: Database.Database, sql: string): Database.Statement {
  return sqlite(() => db.prepare(sql));
}

/** SQLite's own errors become failures that quote its message. */
function sqlite<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SqlFailure) throw error;
    if (error instanceof Database.SqliteError || error instanceof RangeError || error instanceof TypeError) {
      throw new SqlFailure(isGuardRefusal(error) ? 'denied' : 'invalid', `SQLite refused the statement: ${explain(error)}`, { cause: error });
    }
    throw error;
  }
}

/**
 * The guard's refusals, in SQLite's words: the authorizer's "not authorized" ("authorization denied" inside VACUUM)
 * and the attach limit's "too many attached databases".
 */
function isGuardRefusal(error: Error): boolean {
  return (error instanceof Database.SqliteError && error.code === 'SQLITE_AUTH') || /not authorized|authorization denied|too many attached databases/.test(error.message);
}

function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && isGuardRefusal(error)) {
    return `${message}: the job has exactly one database file; ATTACH, DETACH, VACUUM (with or without INTO), load_extension() and PRAGMAs that name files or lift limits are not allowed`;
  }
  return message;
}

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}
