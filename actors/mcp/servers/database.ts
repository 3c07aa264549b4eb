import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ChildPaths } from '../sqlite/child-paths.js';
import type { DatabaseProcess } from '../sqlite/database-process.js';
import { MigrationFiles } from '../sqlite/migration-files.js';
import { sharedDatabaseProcessPool, type DatabaseLease, type DatabaseProcessPool } from '../sqlite/process-pool.js';
import { registerTools } from '../tool.js';
import { DATABASE_TOOLS, type DatabaseToolDeps } from '../tools/database.js';

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

/**
 * The tools' dependencies for one job database, and `release` to give its
 * child process back to the pool. The child is borrowed on first use, so
 * building a server (to list its tools) starts nothing.
 */
export function databaseToolDeps(options: DatabaseServerOptions): { deps: DatabaseToolDeps; release: () => void } {
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
  const deps = { database, migrations: new MigrationFiles(options.repo), readOnly: options.readOnly, maxRows: options.maxRows ?? 1000 };
  return { deps, release: () => lease?.release() };
}

/**
 * One SQLite database per job, owned by a child process (../sqlite/): a
 * statement that runs past its time limit is stopped by killing that
 * process, so it never holds this process's event loop. Every handle there
 * loads native/sqlite-guard.c, so no SQL can open or create another file
 * (ATTACH, VACUUM INTO, file PRAGMAs); without the guard the tool refuses.
 */
export function createDatabaseServer(options: DatabaseServerOptions): McpServer {
  const server = new McpServer({ name: 'autodev-database', version: '0.1.0' });
  const { deps, release } = databaseToolDeps(options);
  server.server.onclose = release;
  return registerTools(server, DATABASE_TOOLS, deps);
}
