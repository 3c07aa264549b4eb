import { z } from 'zod';
import { MAX_SPEC_CHARS } from './api.js';

/**
 * The acceptance suite: HTTP checks derived from an OpenAPI spec (or, later,
 * written at planning time), frozen before any code is judged by them. A
 * check is a short sequence of steps; later steps use ids captured from
 * earlier responses, never made-up ones.
 */
export const AcceptanceCheckKind = z.enum([
  /** The app started and listened; every other check depends on it. */
  'server_starts',
  /** One operation called as documented: success status, content type, response schema. */
  'operation',
  'missing_required',
  'wrong_type',
  'constraint',
  'malformed_json',
  'unknown_id',
  /** Create, then read back: the fields sent come back. */
  'create_read',
  /** Create two, list: both are there. */
  'list',
  /** A list's query filter keeps what matches and drops what does not. */
  'list_filter',
  /** Replace or patch, then read: the change is visible. */
  'update',
  /** Delete, then read: 404 (or gone from the list). */
  'delete',
  /** Without a spec: an HTTP exchange the Master wrote from the prompt at planning. */
  'scenario',
  /** Without a spec: a command run in the app's folder, with its exit code and output checked. */
  'command',
]);
export type AcceptanceCheckKind = z.infer<typeof AcceptanceCheckKind>;

export const HttpMethod = z.enum(['get', 'put', 'post', 'delete', 'patch', 'head', 'options']);
export type HttpMethod = z.infer<typeof HttpMethod>;

/** Variables hold ids captured from responses, scoped to one check. */
export const VarName = z.string().regex(/^[a-z][A-Za-z0-9_]*$/, 'variable names are a lowercase letter, then letters, digits and _');
export const JsonPointer = z.string().regex(/^(\/([^~/]|~[01])*)*$/, 'must be a JSON pointer such as /id or /items');

/** A path or query value: a literal, or an id captured earlier in the same check. */
export const ParamValue = z.union([z.object({ var: VarName }).strict(), z.object({ value: z.string() }).strict()]);
export type ParamValue = z.infer<typeof ParamValue>;

export const RequestBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json'), value: z.unknown() }),
  /** Sent byte for byte: malformed JSON is a raw body with a JSON content type. */
  z.object({ kind: z.literal('raw'), text: z.string(), contentType: z.string() }),
]);
export type RequestBody = z.infer<typeof RequestBody>;

export const RequestTemplate = z.object({
  method: HttpMethod,
  /** The spec's path template, e.g. /books/{bookId}, with the server's base path in front. */
  path: z.string().startsWith('/'),
  pathParams: z.record(z.string(), ParamValue),
  query: z.record(z.string(), ParamValue),
  headers: z.record(z.string(), z.string()),
  body: RequestBody.nullable(),
});
export type RequestTemplate = z.infer<typeof RequestTemplate>;

export const Capture = z.object({ var: VarName, pointer: JsonPointer });
export type Capture = z.infer<typeof Capture>;

/** Where the items of a list response are, and which field names an item. */
export const ListShape = z.object({ pointer: JsonPointer, idField: z.string().min(1) });
export type ListShape = z.infer<typeof ListShape>;

export const BodyAssertion = z.discriminatedUnion('type', [
  /**
   * The body has these field values. With `of`, the body is the resource
   * whose `idField` holds that captured id: the list item with it, or a
   * single body that must carry it.
   */
  z.object({
    type: z.literal('fields_equal'),
    of: z.object({ var: VarName, idField: z.string().min(1) }).nullable(),
    fields: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal('list_includes'), vars: z.array(VarName).min(1) }),
  z.object({ type: z.literal('list_excludes'), vars: z.array(VarName).min(1) }),
  z.object({ type: z.literal('list_all_equal'), field: z.string(), value: z.unknown() }),
  /** The raw body contains each text verbatim (a check written from the prompt); the body need not be JSON. */
  z.object({ type: z.literal('body_includes'), texts: z.array(z.string().min(1)).min(1) }),
]);
export type BodyAssertion = z.infer<typeof BodyAssertion>;

export const ResponseMedia = z.object({
  /** The documented media type (parameters ignored); null when the spec documents no body. */
  contentType: z.string().nullable(),
  /** A key of the suite's `schemas`: the body must validate against it. */
  schema: z.string().nullable(),
});
export type ResponseMedia = z.infer<typeof ResponseMedia>;

export const StepExpectation = z.object({
  /** Any of these; empty means any status of `statusClass`. */
  statuses: z.array(z.number().int().min(100).max(599)),
  statusClass: z.enum(['2xx', '4xx']),
  /** By documented status (200, 4XX, DEFAULT): what the body of that status must be. */
  media: z.record(z.string(), ResponseMedia),
  list: ListShape.nullable(),
  assertions: z.array(BodyAssertion),
});
export type StepExpectation = z.infer<typeof StepExpectation>;

export const AcceptanceStep = z.object({
  /** What the step does, e.g. "create book", "read it back". */
  name: z.string().min(1),
  operationId: z.string(),
  request: RequestTemplate,
  expect: StepExpectation,
  capture: z.array(Capture),
});
export type AcceptanceStep = z.infer<typeof AcceptanceStep>;

export const AcceptanceCheck = z.object({
  id: z.string().min(1),
  operationId: z.string(),
  kind: AcceptanceCheckKind,
  title: z.string(),
  steps: z.array(AcceptanceStep),
  /** Set when the check cannot be run as derived (no valid sample, needs credentials): it is reported unverified, never passed. */
  unverifiable: z.string().nullable(),
});
export type AcceptanceCheck = z.infer<typeof AcceptanceCheck>;

/** A command check: run in the sandbox in the app's folder (network off), after setup, with the app running. */
export const CommandCheck = z.object({
  id: z.string().min(1),
  title: z.string(),
  /** Run with `sh -c`. */
  command: z.string().min(1).max(500),
  expectExit: z.number().int().min(0).max(255),
  /** A regular expression the standard output must match; null for any. */
  stdoutMatches: z.string().max(200).nullable(),
});
export type CommandCheck = z.infer<typeof CommandCheck>;

export const AcceptanceSuite = z.object({
  type: z.literal('acceptance.suite'),
  title: z.string(),
  checks: z.array(AcceptanceCheck),
  /** Command checks (from the prompt, without a spec); absent on suites derived from a spec. */
  commands: z.array(CommandCheck).optional(),
  /** Where the checks came from: derived from the OpenAPI spec, or written from the prompt at planning. */
  source: z.enum(['openapi', 'prompt']).optional(),
  /** JSON Schemas (draft 2020-12 or draft-07, see `dialect`) that steps name by key. */
  schemas: z.record(z.string(), z.unknown()),
  dialect: z.enum(['draft-07', '2020-12']),
});
export type AcceptanceSuite = z.infer<typeof AcceptanceSuite>;

/** `passed` and `failed` judge the app; `unverified` says the check could not run, and never counts as passed. */
export const AcceptanceCheckStatus = z.enum(['passed', 'failed', 'unverified']);
export type AcceptanceCheckStatus = z.infer<typeof AcceptanceCheckStatus>;

/** The request a result is about, with ids filled in. */
export const SentRequest = z.object({
  method: z.string(),
  path: z.string(),
  body: z.unknown().optional(),
});
export type SentRequest = z.infer<typeof SentRequest>;

export const ExpectedView = z.object({
  status: z.string(),
  contentType: z.string().nullable(),
  schema: z.string().nullable(),
  /** The rest of what was expected, in words: "fields sent come back", "404 after delete". */
  detail: z.string(),
});
export type ExpectedView = z.infer<typeof ExpectedView>;

export const ActualView = z.object({
  /** The step the result is about: the first that failed, or the last. */
  step: z.string(),
  status: z.number().int().nullable(),
  contentType: z.string().nullable(),
  bodyExcerpt: z.string(),
  schemaErrors: z.array(z.string()),
  /** What was wrong, in one sentence; null when the check passed. */
  problem: z.string().nullable(),
});
export type ActualView = z.infer<typeof ActualView>;

export const AcceptanceCheckResult = z.object({
  id: z.string(),
  operationId: z.string(),
  kind: AcceptanceCheckKind,
  title: z.string(),
  status: AcceptanceCheckStatus,
  request: SentRequest.nullable(),
  expected: ExpectedView,
  actual: ActualView,
});
export type AcceptanceCheckResult = z.infer<typeof AcceptanceCheckResult>;

/** Setting the app up before it is checked; a failed step ends the run with `server_starts` failed. */
export const AppStep = z.object({
  name: z.enum(['install', 'rebuild', 'build', 'start']),
  status: z.enum(['passed', 'failed', 'skipped']),
  reason: z.string().nullable(),
  durationMs: z.number().int().nonnegative(),
  logExcerpt: z.string(),
});
export type AppStep = z.infer<typeof AppStep>;

export const AcceptanceReport = z.object({
  type: z.literal('acceptance.report'),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  unverified: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  /** Null when the checks ran against an app started elsewhere. */
  app: z
    .object({
      sandbox: z.enum(['docker', 'bubblewrap', 'none']),
      steps: z.array(AppStep),
      /** The end of the app's own output. */
      logExcerpt: z.string(),
    })
    .nullable(),
  checks: z.array(AcceptanceCheckResult),
});
export type AcceptanceReport = z.infer<typeof AcceptanceReport>;

/** `POST /acceptance`: check the app in a folder on the daemon's machine against a spec. */
export const AcceptBody = z
  .object({
    appDir: z.string().min(1).startsWith('/', 'must be an absolute path'),
    spec: z.string().min(1, 'must not be empty').max(MAX_SPEC_CHARS),
    /** Shell command that starts the app; default `npm start`. */
    start: z.string().trim().min(1).max(2000).optional(),
  })
  .strict();
export type AcceptBody = z.infer<typeof AcceptBody>;

/** One failing (or unverified) check, as the job record, `status --json` and fix tasks carry it. */
export const AcceptanceFailure = z.object({
  id: z.string(),
  operationId: z.string(),
  kind: AcceptanceCheckKind,
  title: z.string(),
  status: z.enum(['failed', 'unverified']),
  /** What was wrong, in one sentence. */
  problem: z.string(),
});
export type AcceptanceFailure = z.infer<typeof AcceptanceFailure>;

/** The last acceptance run of a job, in short; the full report is in `jobs/<id>/acceptance/round-<n>.json`. */
export const AcceptanceSummary = z.object({
  round: z.number().int().positive(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  unverified: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** The project's own test suite on main: null when it has none or it could not run. */
  projectTests: z.object({ status: z.enum(['passed', 'failed', 'unverified']), summary: z.string() }).nullable(),
  /** At most 50, failed first. */
  failures: z.array(AcceptanceFailure).max(50),
  /** The main commit the run judged. */
  commit: z.string(),
  durationMs: z.number().int().nonnegative(),
});
export type AcceptanceSummary = z.infer<typeof AcceptanceSummary>;

/** Accepted only when every check passed, none was unverified, there was at least one, and the project's tests did not fail. */
export function isAccepted(summary: AcceptanceSummary): boolean {
  return summary.total > 0 && summary.passed === summary.total && summary.projectTests?.status !== 'failed' && summary.projectTests?.status !== 'unverified';
}

/** The job's integration phase: how many rounds ran, and the latest result. */
export const AcceptanceState = z.object({
  rounds: z.number().int().nonnegative(),
  maxRounds: z.number().int().positive(),
  last: AcceptanceSummary.nullable(),
});
export type AcceptanceState = z.infer<typeof AcceptanceState>;
