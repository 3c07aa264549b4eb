import { z } from 'zod';

/**
 * The messages between the database tool (parent) and the process that owns
 * the job's SQLite handle (actors/mcp/sqlite/child.ts). The handle lives in a
 * child so a statement that runs too long can be stopped with SIGKILL:
 * better-sqlite3 is synchronous and built without a progress handler, so
 * nothing else can interrupt SQLite once it is running.
 *
 * Both sides parse what they receive; one request is in flight at a time.
 */

export const SqlValue = z.union([z.string(), z.number(), z.null()]);
export type SqlValue = z.infer<typeof SqlValue>;

/** What the child needs at start, passed as its one command-line argument (JSON). */
export const ChildConfig = z
  .object({
    file: z.string().min(1),
    readOnly: z.boolean(),
    guardPath: z.string().min(1),
  })
  .strict();
export type ChildConfig = z.infer<typeof ChildConfig>;

const Id = z.number().int().nonnegative();

export const QueryRequest = z.object({ type: z.literal('query'), id: Id, sql: z.string(), params: z.array(SqlValue), maxRows: z.number().int().positive() }).strict();
/** create_schema's probe: the DDL on a fresh in-memory database (guarded as well). */
export const CheckRequest = z.object({ type: z.literal('check'), id: Id, sql: z.string() }).strict();
export const AppliedMigrationsRequest = z.object({ type: z.literal('applied_migrations'), id: Id }).strict();
export const ApplyMigrationRequest = z.object({ type: z.literal('apply_migration'), id: Id, file: z.string(), sql: z.string() }).strict();
export const SeedRequest = z.object({ type: z.literal('seed'), id: Id, table: z.string(), rows: z.array(z.record(z.string(), SqlValue)) }).strict();

export const ChildRequest = z.discriminatedUnion('type', [QueryRequest, CheckRequest, AppliedMigrationsRequest, ApplyMigrationRequest, SeedRequest]);
export type ChildRequest = z.infer<typeof ChildRequest>;

export const QueryResult = z
  .object({
    columns: z.array(z.string()),
    rows: z.array(z.record(z.string(), z.unknown())),
    truncated: z.boolean(),
    changes: z.number().int(),
    lastInsertRowid: z.number().nullable(),
  })
  .strict();
export type QueryResult = z.infer<typeof QueryResult>;

/** The answer's `value` for each request type. */
export const ResultValue = {
  query: QueryResult,
  check: z.object({}).strict(),
  applied_migrations: z.object({ files: z.array(z.string()) }).strict(),
  apply_migration: z.object({}).strict(),
  seed: z.object({ inserted: z.number().int() }).strict(),
} as const satisfies Record<ChildRequest['type'], z.ZodType>;
export type ResultValue<T extends ChildRequest['type']> = z.infer<(typeof ResultValue)[T]>;

/** A failure the tool reports as is: `message` already says what was wrong and what to do. */
export const FailureCode = z.enum(['invalid', 'denied', 'too_large', 'failed']);
export type FailureCode = z.infer<typeof FailureCode>;

export const ChildReady = z.object({ type: z.literal('ready') }).strict();
/** The child could not make a safe handle (the guard did not load); it exits after sending this. */
export const ChildFatal = z.object({ type: z.literal('fatal'), message: z.string() }).strict();
export const ChildOk = z.object({ type: z.literal('ok'), id: Id, value: z.unknown() }).strict();
export const ChildFailure = z.object({ type: z.literal('failure'), id: Id, code: FailureCode, message: z.string() }).strict();

export const ChildMessage = z.discriminatedUnion('type', [ChildReady, ChildFatal, ChildOk, ChildFailure]);
export type ChildMessage = z.infer<typeof ChildMessage>;
