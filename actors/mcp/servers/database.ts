import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { defineTool, ToolError } from '../tool.js';

export interface DatabaseServerOptions {
  /** The job's SQLite file; created on first use. */
  file: string;
  /** The job's repository: migrations live in `<repo>/db/migrations/NNNN_name.sql`. */
  repo: string;
  readOnly: boolean;
  maxRows?: number;
}

export const MIGRATIONS_DIR = 'db/migrations';
const MIGRATION_FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a plain SQL identifier (letters, digits, _)');
const Value = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

/**
 * One SQLite database per job. ATTACH, DETACH and VACUUM INTO are refused in
 * every mode: they would let SQL open or create files outside the job.
 */
export function createDatabaseServer(options: DatabaseServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-database', version: '0.1.0' });
  const maxRows = options.maxRows ?? 1000;
  let db: Database.Database | null = null;
  const open = async () => {
    if (db) return db;
    await mkdir(dirname(options.file), { recursive: true });
    // A read-only handle needs an existing file; creating an empty one changes no data.
    if (options.readOnly) new Database(options.file).close();
    db = new Database(options.file, { readonly: options.readOnly });
    db.pragma('foreign_keys = ON');
    return db;
  };
  server.server.onclose = () => db?.close();
  const writable = (what: string) => {
    if (options.readOnly) throw new ToolError('denied', `the database is in read-only mode (config mcp.database.readOnly); ${what} is refused`);
  };

  defineTool(
    server,
    'execute_query',
    {
      description: 'Run one SQL statement with positional parameters; SELECTs return rows, others the number of changed rows. In read-only mode only statements that do not write are run.',
      input: z.object({ sql: z.string().min(1).max(100_000), params: z.array(Value).max(1000).default([]) }).strict(),
      output: z.object({
        columns: z.array(z.string()),
        rows: z.array(z.record(z.string(), z.unknown())),
        truncated: z.boolean(),
        changes: z.number().int(),
        lastInsertRowid: z.number().nullable(),
      }),
    },
    async ({ sql, params }) => {
      assertNoFileAccess(sql);
      const handle = await open();
      const stmt = prepare(handle, sql);
      if (options.readOnly && !stmt.readonly) writable('a statement that writes');
      const bound = params.map((p) => (typeof p === 'boolean' ? Number(p) : p));
      if (stmt.reader) {
        const rows: Record<string, unknown>[] = [];
        for (const row of stmt.iterate(...bound) as Iterable<Record<string, unknown>>) {
          if (rows.length >= maxRows) return { columns: stmt.columns().map((c) => c.name), rows, truncated: true, changes: 0, lastInsertRowid: null };
          rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toJson(v)])));
        }
        return { columns: stmt.columns().map((c) => c.name), rows, truncated: false, changes: 0, lastInsertRowid: null };
      }
      const info = run(() => stmt.run(...bound));
      return { columns: [], rows: [], truncated: false, changes: info.changes, lastInsertRowid: Number(info.lastInsertRowid) };
    },
  );

  defineTool(
    server,
    'create_schema',
    {
      description: `Write DDL as the next versioned migration file (${MIGRATIONS_DIR}/NNNN_name.sql in the job repository) and apply it.`,
      input: z.object({ name: z.string().regex(/^[a-z0-9_]{1,60}$/, 'must be lowercase letters, digits and _'), sql: z.string().min(1).max(100_000) }).strict(),
      output: z.object({ migration: z.string(), applied: z.boolean() }),
    },
    async ({ name, sql }) => {
      writable('create_schema');
      assertNoFileAccess(sql);
      const existing = await migrationFiles(options.repo);
      const version = (existing.at(-1)?.version ?? 0) + 1;
      const file = `${String(version).padStart(4, '0')}_${name}.sql`;
      // Checked on a throwaway copy first, so a broken migration is never left in the repository.
      const probe = new Database(':memory:');
      try {
        run(() => probe.exec(sql));
      } finally {
        probe.close();
      }
      await mkdir(join(options.repo, MIGRATIONS_DIR), { recursive: true });
      await writeFile(join(options.repo, MIGRATIONS_DIR, file), sql.endsWith('\n') ? sql : `${sql}\n`);
      const { applied } = await migrate(await open(), options.repo);
      return { migration: `${MIGRATIONS_DIR}/${file}`, applied: applied.includes(file) };
    },
  );

  defineTool(
    server,
    'migrate_database',
    {
      description: `Apply, in order, every migration file in ${MIGRATIONS_DIR}/ that the job database has not applied yet; each in its own transaction.`,
      input: z.object({}).strict(),
      output: z.object({ applied: z.array(z.string()), alreadyApplied: z.array(z.string()) }),
    },
    async () => {
      writable('migrate_database');
      return migrate(await open(), options.repo);
    },
  );

  defineTool(
    server,
    'seed_data',
    {
      description: 'Insert rows (objects of column to value) into a table, all in one transaction.',
      input: z.object({ table: Identifier, rows: z.array(z.record(Identifier, Value)).min(1).max(10_000) }).strict(),
      output: z.object({ table: z.string(), inserted: z.number().int() }),
    },
    async ({ table, rows }) => {
      writable('seed_data');
      const handle = await open();
      const insertAll = handle.transaction(() => {
        let inserted = 0;
        for (const row of rows) {
          const columns = Object.keys(row);
          if (columns.length === 0) throw new ToolError('invalid', 'a row has no columns; give each row at least one column: value');
          const stmt = prepare(handle, `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
          inserted += stmt.run(...columns.map((c) => { const v = row[c]; return typeof v === 'boolean' ? Number(v) : v ?? null; })).changes;
        }
        return inserted;
      });
      return { table, inserted: run(() => insertAll()) };
    },
  );
  return server;
}

function prepare(db: Database.Database, sql: string): Database.Statement {
  return run(() => db.prepare(sql));
}

/** SQLite's own errors become tool errors that quote its message. */
function run<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof ToolError) throw error;
    if (error instanceof Database.SqliteError || error instanceof RangeError || error instanceof TypeError) {
      throw new ToolError('invalid', `SQLite refused the statement: ${error.message}`, { cause: error });
    }
    throw error;
  }
}

function toJson(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

/** Comments and string literals removed, so a keyword inside them does not count. */
function assertNoFileAccess(sql: string): void {
  const code = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'/g, "''");
  if (/\b(ATTACH|DETACH)\b/i.test(code) || /\bVACUUM\b[\s\S]*\bINTO\b/i.test(code)) {
    throw new ToolError('denied', 'ATTACH, DETACH and VACUUM INTO are not allowed: the job has exactly one database');
  }
}

async function migrationFiles(repo: string): Promise<Array<{ version: number; file: string }>> {
  const names = await readdir(join(repo, MIGRATIONS_DIR)).catch(() => [] as string[]);
  return names
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((e): e is { file: string; match: RegExpExecArray } => e.match !== null)
    .map((e) => ({ version: Number(e.match[1]), file: e.file }))
    .sort((a, b) => a.version - b.version);
}

async function migrate(db: Database.Database, repo: string): Promise<{ applied: string[]; alreadyApplied: string[] }> {
  db.exec('CREATE TABLE IF NOT EXISTS _autodev_migrations (file TEXT PRIMARY KEY, applied_at TEXT NOT NULL)');
  const done = new Set((db.prepare('SELECT file FROM _autodev_migrations').all() as Array<{ file: string }>).map((r) => r.file));
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const { file } of await migrationFiles(repo)) {
    if (done.has(file)) {
      alreadyApplied.push(file);
      continue;
    }
    const sql = await readFile(join(repo, MIGRATIONS_DIR, file), 'utf8');
    assertNoFileAccess(sql);
    try {
      db.transaction(() => {
        db.exec(sql);
        db.prepare('INSERT INTO _autodev_migrations (file, applied_at) VALUES (?, ?)').run(file, new Date().toISOString());
      })();
    } catch (error) {
      throw new ToolError('failed', `migration ${file} failed and was rolled back: ${(error as Error).message}; fix the file and migrate again`, { cause: error });
    }
    applied.push(file);
  }
  return { applied, alreadyApplied };
}
