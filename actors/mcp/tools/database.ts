import { z } from 'zod';
import type { DatabaseProcess } from '../sqlite/database-process.js';
import { MIGRATIONS_DIR, type MigrationFiles } from '../sqlite/migration-files.js';
import { QueryResult, type SqlValue } from '../sqlite/protocol.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';

export interface DatabaseToolDeps {
  /** The job database's child process, started (or borrowed warm) on first use. */
  database: () => DatabaseProcess;
  /** `<repo>/db/migrations/NNNN_name.sql`. */
  migrations: MigrationFiles;
  readOnly: boolean;
  maxRows: number;
}

const tool = toolFor<DatabaseToolDeps>();
const Identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'must be a plain SQL identifier (letters, digits, _)');
const Value = z.union([z.string().max(100_000), z.number(), z.boolean(), z.null()]);

function writable(deps: DatabaseToolDeps, what: string): void {
  if (deps.readOnly) throw new ToolError('denied', `the database is in read-only mode (config mcp.database.readOnly); ${what} is refused`);
}

export const executeQuery = tool({
  name: 'execute_query',
  description: 'Run one SQL statement with positional parameters; SELECTs return rows, others the number of changed rows. In read-only mode only statements that do not write are run. Each statement has a time limit.',
  inputSchema: z.object({ sql: z.string().min(1).max(100_000), params: z.array(Value).max(1000).default([]) }).strict(),
  outputSchema: QueryResult,
  async handler({ sql, params }, deps) {
    return deps.database().request({ type: 'query', sql, params: params.map(toSql), maxRows: deps.maxRows });
  },
});

export const createSchema = tool({
  name: 'create_schema',
  description: `Write DDL as the next versioned migration file (${MIGRATIONS_DIR}/NNNN_name.sql in the job repository) and apply it.`,
  inputSchema: z.object({ name: z.string().regex(/^[a-z0-9_]{1,60}$/, 'must be lowercase letters, digits and _'), sql: z.string().min(1).max(100_000) }).strict(),
  outputSchema: z.object({ migration: z.string(), applied: z.boolean() }),
  async handler({ name, sql }, deps) {
    writable(deps, 'create_schema');
    const existing = await deps.migrations.list();
    const version = (existing.at(-1)?.version ?? 0) + 1;
    const file = `${String(version).padStart(4, '0')}_${name}.sql`;
    // Checked on a throwaway copy first, so a broken migration is never left in the repository.
    await deps.database().request({ type: 'check', sql });
    const migration = await deps.migrations.write(file, sql);
    const { applied } = await migrate(deps.database(), deps.migrations);
    return { migration, applied: applied.includes(file) };
  },
});

export const migrateDatabase = tool({
  name: 'migrate_database',
  description: `Apply, in order, every migration file in ${MIGRATIONS_DIR}/ that the job database has not applied yet; each in its own transaction.`,
  inputSchema: z.object({}).strict(),
  outputSchema: z.object({ applied: z.array(z.string()), alreadyApplied: z.array(z.string()) }),
  async handler(_args, deps) {
    writable(deps, 'migrate_database');
    return migrate(deps.database(), deps.migrations);
  },
});

export const seedData = tool({
  name: 'seed_data',
  description: 'Insert rows (objects of column to value) into a table, all in one transaction.',
  inputSchema: z.object({ table: Identifier, rows: z.array(z.record(Identifier, Value)).min(1).max(10_000) }).strict(),
  outputSchema: z.object({ table: z.string(), inserted: z.number().int() }),
  async handler({ table, rows }, deps) {
    writable(deps, 'seed_data');
    const sqlRows = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, toSql(v)])));
    const { inserted } = await deps.database().request({ type: 'seed', table, rows: sqlRows });
    return { table, inserted };
  },
});

export const DATABASE_TOOLS: ReadonlyArray<ToolDefinition<DatabaseToolDeps>> = [executeQuery, createSchema, migrateDatabase, seedData];

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
