import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ChildPaths } from '../sqlite/child-paths.js';
import type { DatabaseProcess } from '../sqlite/database-process.js';
import { MIGRATIONS_DIR, MigrationFiles } from '../sqlite/migration-files.js';
import { sharedDatabaseProcessPool, type DatabaseLease, type DatabaseProcessPool } from '../sqlite/process-pool.js';
import { QueryResult, type SqlValue } from '../sqlite/protocol.js';
import { defineTool, ToolError } from '../tool.js';

export interface DatabaseServerOptions {
  /** The job's SQLite file; created on first use. */
  file: string;
  /** The job's repository: migrations live in `<repo>/db/migrations/NNNN_name.sql`. */
  repo: string;
  readOnly: boolean;
  maxRows?: number;
  /** Per statement (or migration file, or seed batch); config mcp.database.statementTimeoutMs. */
  statementTimeoutMs?: number;
  /** The child's data-memory cap; 512 MB by default. */
  memoryLimitMb?: number;
  /** Where the child script and the guard library are; the built ones under dist/ by default. */
  paths?: ChildPaths;
  /** Where warm children are kept between server instances; the process-wide pool by default. */
  pool?: DatabaseProcessPool;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5000;
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a plain SQL identifier (letters, digits, _)');
const Value = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

/**
 * One SQLite database per job, owned by a child process (../sqlite/): a
 * statement that runs past its time limit is stopped by killing that
 * process, so it never holds this process's event loop. Every handle there
 * loads native/sqlite-guard.c, so no SQL can open or create another file
 * (ATTACH, VACUUM INTO, file PRAGMAs); without the guard the tool refuses.
 */
export function createDatabaseServer(options: DatabaseServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-database', version: '0.1.0' });
  const maxRows = options.maxRows ?? 1000;
  // Borrowed on first use, so building a server (to list its tools) starts nothing.
  let lease: DatabaseLease | null = null;
  const database = (): DatabaseProcess => {
    lease ??= (options.pool ?? sharedDatabaseProcessPool()).acquire({
      file: options.file,
      readOnly: options.readOnly,
      statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
      ...(options.memoryLimitMb ? { memoryLimitMb: options.memoryLimitMb } : {}),
      ...(options.paths ? { paths: options.paths } : {}),
    });
    return lease.process;
  };
  server.server.onclose = () => lease?.release();
  const migrations = new MigrationFiles(options.repo);
  const writable = (what: string) => {
    if (options.readOnly) throw new ToolError('denied', `the database is in read-only mode (config mcp.database.readOnly); ${what} is refused`);
  };

  defineTool(
    server,
    'execute_query',
    {
      description: 'Run one SQL statement with positional parameters; SELECTs return rows, others the number of changed rows. In read-only mode only statements that do not write are run. Each statement has a time limit.',
      input: z.object({ sql: z.string().min(1).max(100_000), params: z.array(Value).max(1000).default([]) }).strict(),
      output: QueryResult,
    },
    async ({ sql, params }) => database().request({ type: 'query', sql, params: params.map(toSql), maxRows }),
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
      const existing = await migrations.list();
      const version = (existing.at(-1)?.version ?? 0) + 1;
      const file = `${String(version).padStart(4, '0')}_${name}.sql`;
      // Checked on a throwaway copy first, so a broken migration is never left in the repository.
      await database().request({ type: 'check', sql });
      const migration = await migrations.write(file, sql);
      const { applied } = await migrate(database(), migrations);
      return { migration, applied: applied.includes(file) };
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
      return migrate(database(), migrations);
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
      const sqlRows = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toSql(v)])));
      const { inserted } = await database().request({ type: 'seed', table, rows: sqlRows });
      return { table, inserted };
    },
  );
  return server;
}

/** SQLite has no boolean: true and false are stored as 1 and 0. */
function toSql(value: string | number | boolean | null): SqlValue {
  return typeof value === 'boolean' ? Number(value) : value;
}

async function migrate(db: DatabaseProcess, migrations: MigrationFiles): Promise<{ applied: string[]; alreadyApplied: string[] }> {
  const done = new Set((await db.request({ type: 'applied_migrations' })).files);
  const applied: string[] = [];
  const alreadyApplied: string[] = [];
  for (const { file } of await migrations.list()) {
    if (done.has(file)) {
      alreadyApplied.push(file);
      continue;
    }
    const sql = await migrations.read(file);
    await db.request({ type: 'apply_migration', file, sql });
    applied.push(file);
  }
  return { applied, alreadyApplied };
}
