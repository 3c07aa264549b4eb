import { z } from 'zod';
import { AcceptCredentials, SecurityRequirement, SecurityScheme, TestCredential } from './acceptance-security.js';
import { MAX_SPEC_CHARS } from './api.js';
import { RequirementCheck, RequirementResult } from './requirements.js';

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
  /** A secured operation called without credentials: refused with 401 or 403 (or what the spec documents). */
  'no_credentials',
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
  /** After every write of the suite: lists, filters and read-backs of what is stored still hold to their schemas. */
  'after_writes',
  /** A documented 409 provoked: a duplicate of a unique field, or a change the resource's bounds forbid. */
  'conflict',
  /** A documented 422 provoked the same ways. */
  'unprocessable',
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

/** One part of a form body: a text field (JSON text for an object, with its content type), or a small generated file. */
export const FormPart = z.discriminatedUnion('type', [
  z.object({ type: z.literal('field'), name: z.string().min(1), value: z.string(), contentType: z.string().nullable() }),
  z.object({ type: z.literal('file'), name: z.string().min(1), filename: z.string().min(1), contentType: z.string().min(1), base64: z.string() }),
]);
export type FormPart = z.infer<typeof FormPart>;

export const RequestBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('json'), value: z.unknown() }),
  /** Sent byte for byte: malformed JSON is a raw body with a JSON content type. */
  z.object({ kind: z.literal('raw'), text: z.string(), contentType: z.string() }),
  /** multipart/form-data or application/x-www-form-urlencoded, encoded by the judge; files only in multipart. */
  z.object({ kind: z.literal('form'), encoding: z.enum(['multipart', 'urlencoded']), parts: z.array(FormPart) }),
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

/**
 * An id taken from a 2xx answer (never from an error body). With `status`,
 * only from an answer of that status: a create documenting 200 and 201 with
 * different bodies has the id in a different place in each.
 */
export const Capture = z.object({
  var: VarName,
  pointer: JsonPointer,
  status: z.number().int().min(200).max(299).optional(),
  /** Nothing there leaves the check unverified instead of failed: an empty list has no id to take, and that is no fault of the app. */
  optional: z.boolean().optional(),
});
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
    /** Where the resource sits in a single body that wraps it ({ data: {...} }); the whole body when absent. */
    at: JsonPointer.optional(),
    /**
     * Fields a merging update did not send, expected as they were before it,
     * and the promise that keeps them ("PUT is documented to merge"): a
     * mismatch there is named as that broken promise.
     */
    kept: z.object({ promise: z.string().min(1), fields: z.array(z.string()) }).optional(),
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
  /**
   * Set where the spec documents no status for this case (a bad body, an
   * unknown id): besides any 4xx, a documented success (these codes; empty
   * for any 2xx) is kept too, when its body validates. Steps marked
   * `ifStored` then read back what the app kept.
   */
  orSuccess: z.object({ statuses: z.array(z.number().int().min(200).max(299)) }).optional(),
  /** Statuses that leave the step unverified, with why: a 404 for an id taken from the spec's examples, which the app need not hold. */
  inconclusive: z.object({ statuses: z.array(z.number().int().min(100).max(599)).min(1), reason: z.string().min(1) }).optional(),
});
export type StepExpectation = z.infer<typeof StepExpectation>;

export const AcceptanceStep = z.object({
  /** What the step does, e.g. "create book", "read it back". */
  name: z.string().min(1),
  operationId: z.string(),
  request: RequestTemplate,
  expect: StepExpectation,
  capture: z.array(Capture),
  /**
   * Set on a setup step (creating what the check needs, a call another check
   * judges): the id of the check that judges this call itself. A setup step
   * is held only to what the check needs (a documented status, the ids it
   * captures); when it fails and that check failed too, this check is
   * `blocked` on it rather than failed a second time.
   */
  rootCheck: z.string().optional(),
  /** Reads back what the step before stored; judged only when that step answered 2xx (a refusal ends the check, passed). */
  ifStored: z.boolean().optional(),
  /** The credentials the step is sent with, by scheme name (absent: none); the values are in the judge's plan only. */
  security: SecurityRequirement.optional(),
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
  /** The spec's security schemes that steps name, and how each is sent. */
  securitySchemes: z.record(z.string(), SecurityScheme).optional(),
  /** A job's suite: the credentials the Master chose at planning, sent by the checks and given to the app as environment variables. */
  testCredentials: z.record(z.string(), TestCredential).optional(),
});
export type AcceptanceSuite = z.infer<typeof AcceptanceSuite>;

/**
 * `passed` and `failed` judge the app; `unverified` says the check could not
 * run; `blocked` says its setup failed on a bug another check already
 * reports (its `rootCause`). Neither of the last two counts as passed.
 */
export const AcceptanceCheckStatus = z.enum(['passed', 'failed', 'unverified', 'blocked']);
export type AcceptanceCheckStatus = z.infer<typeof AcceptanceCheckStatus>;

/** The request a result is about, with ids filled in. */
export const SentRequest = z.object({
  method: z.string(),
  path: z.string(),
  body: z.unknown().optional(),
  /** The credentials sent, as placeholders (`X-API-Key: <apiKey credential ApiKeyAuth>`), never their values. */
  credentials: z.array(z.string()).optional(),
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
  /** Set on a blocked check: the id of the failed check whose bug stopped its setup. */
  rootCause: z.string().optional(),
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
  /** Checks whose setup failed on another failed check's bug; absent from reports written before blocking existed. */
  blocked: z.number().int().nonnegative().default(0),
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
  /**
   * Checks run across a restart of the app (asked for by a database
   * requirement): created before, read back after. Not counted in the totals:
   * they decide a requirement, not the suite.
   */
  restart: z.array(AcceptanceCheckResult).optional(),
});
export type AcceptanceReport = z.infer<typeof AcceptanceReport>;

/** `POST /acceptance`: check the app in a folder on the daemon's machine against a spec, or replay a frozen suite. */
export const AcceptBody = z
  .object({
    appDir: z.string().min(1).startsWith('/', 'must be an absolute path'),
    spec: z.string().min(1, 'must not be empty').max(MAX_SPEC_CHARS).optional(),
    /** A job's frozen suite (its suite.json), replayed as it is: the same checks that judged the job. */
    suite: AcceptanceSuite.optional(),
    /** Shell command that starts the app; default `npm start`. */
    start: z.string().trim().min(1).max(2000).optional(),
    /** Credentials for the spec's security schemes; never echoed in the report or in errors. */
    credentials: AcceptCredentials.optional(),
  })
  .strict()
  .refine((body) => (body.spec === undefined) !== (body.suite === undefined), { message: 'give exactly one of spec (an OpenAPI spec to derive checks from) and suite (a frozen suite.json to replay)' });
export type AcceptBody = z.infer<typeof AcceptBody>;

/** One failing (blocked or unverified) check, as the job record, `status --json` and fix tasks carry it. */
export const AcceptanceFailure = z.object({
  id: z.string(),
  operationId: z.string(),
  kind: AcceptanceCheckKind,
  title: z.string(),
  status: z.enum(['failed', 'blocked', 'unverified']),
  /** On a blocked check: the failed check it waits on. */
  rootCause: z.string().optional(),
  /** What was wrong, in one sentence. */
  problem: z.string(),
});
export type AcceptanceFailure = z.infer<typeof AcceptanceFailure>;

/** The last acceptance run of a job, in short; the full report is in `jobs/<id>/acceptance/round-<n>.json`. */
export const AcceptanceSummary = z.object({
  round: z.number().int().positive(),
  passed: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Blocked on a failed check (see AcceptanceReport); absent on rounds recorded before blocking existed. */
  blocked: z.number().int().nonnegative().optional(),
  unverified: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** The project's own test suite on main: null when it has none or it could not run. */
  projectTests: z.object({ status: z.enum(['passed', 'failed', 'unverified']), summary: z.string() }).nullable(),
  /** At most 50: failed first, then blocked, then unverified. */
  failures: z.array(AcceptanceFailure).max(50),
  /** The main commit the run judged. */
  commit: z.string(),
  durationMs: z.number().int().nonnegative(),
  /** Each of the blueprint's requirements judged on this round's app (absent on rounds recorded before requirements were judged). */
  requirements: z.array(RequirementResult).optional(),
  /** The requirement checks beyond the suite (stack, restart, files), which the requirements name. */
  requirementChecks: z.array(RequirementCheck).optional(),
});
export type AcceptanceSummary = z.infer<typeof AcceptanceSummary>;

/** Accepted only when every check passed, none was blocked or unverified, there was at least one, and the project's tests did not fail. */
export function isAccepted(summary: AcceptanceSummary): boolean {
  return summary.total > 0 && summary.passed === summary.total && (summary.blocked ?? 0) === 0 && summary.projectTests?.status !== 'failed' && summary.projectTests?.status !== 'unverified';
}

/** The job's integration phase: how many rounds ran, and the latest result. */
export const AcceptanceState = z.object({
  rounds: z.number().int().nonnegative(),
  maxRounds: z.number().int().positive(),
  last: AcceptanceSummary.nullable(),
});
export type AcceptanceState = z.infer<typeof AcceptanceState>;
