/**
 * Entry point of the process that owns one job database handle for the MCP
 * database tool (started by database-process.ts; never imported). It is a
 * process of its own, so it wires its own IPC and exit handling.
 */
import { GuardUnavailable } from './guarded-open.js';
import { JobDatabase, SqlFailure } from './job-database.js';
import { ChildConfig, ChildRequest, ResultValue, type ChildMessage } from './protocol.js';
import { startParentWatchdog } from './watchdog.js';

/**
 * Far above any useful tool answer. The parent parses the answer on its
 * event loop, so a row of hundreds of megabytes would stall it there.
 */
const MAX_ANSWER_CHARS = 8 * 1024 * 1024;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function handle(db: JobDatabase, request: ChildRequest): ResultValue<ChildRequest['type']> {
  switch (request.type) {
    case 'query':
      return db.query(request.sql, request.params, request.maxRows);
    case 'check':
      db.check(request.sql);
      return {};
    case 'applied_migrations':
      return { files: db.appliedMigrations() };
    case 'apply_migration':
      db.applyMigration(request.file, request.sql);
      return {};
    case 'seed':
      return { inserted: db.seed(request.table, request.rows) };
  }
}

function main(): void {
  if (!process.send) {
    process.stderr.write('actors/mcp/sqlite/child.js is started by the database tool over IPC; it cannot run on its own\n');
    process.exit(2);
  }
  const config = ChildConfig.parse(JSON.parse(process.argv[2] ?? 'null'));
  const db = new JobDatabase(config);
  // Dies with its parent: 'disconnect' when idle (closing SQLite's file first), the watchdog when inside a statement.
  process.on('disconnect', () => {
    db.close();
    process.exit(0);
  });
  startParentWatchdog();

  try {
    // Fail closed before answering anything: proves the guard loads here.
    db.check('SELECT 1');
  } catch (error) {
    send({ type: 'fatal', message: error instanceof GuardUnavailable ? error.message : `the database process could not start: ${(error as Error).message}` });
    process.exit(1);
  }

  process.on('message', (raw: unknown) => {
    const parsed = ChildRequest.safeParse(raw);
    if (!parsed.success) {
      // Only the parent can send here; a malformed request is a bug on its side.
      send({ type: 'fatal', message: `the database process got a malformed request: ${parsed.error.message}` });
      process.exit(1);
    }
    const request = parsed.data;
    try {
      const value = handle(db, request);
      if (JSON.stringify(value).length > MAX_ANSWER_CHARS) {
        throw new SqlFailure('too_large', `the answer is larger than ${MAX_ANSWER_CHARS} characters; select fewer rows or columns (LIMIT, substr(), length())`);
      }
      send({ type: 'ok', id: request.id, value });
    } catch (error) {
      if (error instanceof SqlFailure) send({ type: 'failure', id: request.id, code: error.code, message: error.message });
      else send({ type: 'failure', id: request.id, code: 'failed', message: `the database process failed: ${(error as Error).message}` });
    }
  });
  send({ type: 'ready' });
}

main();
