import { z } from 'zod';

/**
 * Acceptance checks as the Master's model writes them from the prompt when
 * there is no spec: strict and bounded, so the same schema is the grammar a
 * local model decodes under and the check an API model's answer must pass.
 * Each check becomes one check of the job's frozen AcceptanceSuite
 * (actors/acceptance/prompt-suite.ts).
 */
export const ACCEPTANCE_PLAN_LIMITS = {
  maxChecks: 8,
  maxTitleChars: 120,
  maxPathChars: 200,
  maxBodyChars: 1000,
  maxIncludes: 4,
  maxIncludeChars: 100,
  maxCommandChars: 300,
  maxPatternChars: 200,
} as const;

const L = ACCEPTANCE_PLAN_LIMITS;

/** Exit codes a command check may expect; enumerated so a grammar offers only these (and cannot write a 40-digit number). */
export const EXPECTABLE_EXIT_CODES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;

/** Statuses a check may expect; enumerated so a grammar offers only these. 5xx is never right. */
export const EXPECTABLE_STATUSES = [200, 201, 202, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 409, 415, 422] as const;

/**
 * A request path on the app itself: no scheme, no host, no `//` (which a URL
 * parser would read as a host), no whitespace, no `{placeholder}` (a check
 * has one step, so there is no id to fill in). A query string is allowed.
 */
const AppPath = z
  .string()
  .min(1)
  .max(L.maxPathChars)
  .regex(/^\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?]*$/, 'a path starts with / and uses URL characters only (no host, spaces or {placeholders})')
  .refine((p) => !p.startsWith('//'), 'a path never starts with // (that names a host)');

/** A regular expression: model output, so it must at least compile; it is matched in the sandbox, under a time limit. */
const Pattern = z
  .string()
  .min(1)
  .max(L.maxPatternChars)
  .refine((p) => {
    try {
      new RegExp(p);
      return true;
    } catch {
      return false;
    }
  }, 'not a valid regular expression');

/** The JSON text of a request body; kept as text so a grammar can bound it. */
const JsonText = z
  .string()
  .min(1)
  .max(L.maxBodyChars)
  .refine((t) => {
    try {
      JSON.parse(t);
      return true;
    } catch {
      return false;
    }
  }, 'the body is not valid JSON text');

export const HttpCheckPlan = z.strictObject({
  kind: z.literal('http'),
  title: z.string().min(1).max(L.maxTitleChars),
  method: z.enum(['get', 'post', 'put', 'patch', 'delete']),
  path: AppPath,
  /** JSON text sent with content type application/json; null for no body. */
  body: JsonText.nullable(),
  expectStatus: z.literal(EXPECTABLE_STATUSES),
  /** Texts the response body must contain, each verbatim. */
  bodyIncludes: z.array(z.string().min(1).max(L.maxIncludeChars)).max(L.maxIncludes),
});
export type HttpCheckPlan = z.infer<typeof HttpCheckPlan>;

export const CommandCheckPlan = z.strictObject({
  kind: z.literal('command'),
  title: z.string().min(1).max(L.maxTitleChars),
  /** Run with sh -c in the app's folder, in the sandbox with the network off, while the app runs (PORT and APP_URL set). */
  command: z.string().min(1).max(L.maxCommandChars),
  expectExit: z.literal(EXPECTABLE_EXIT_CODES),
  stdoutMatches: Pattern.nullable(),
});
export type CommandCheckPlan = z.infer<typeof CommandCheckPlan>;

export const AcceptanceCheckPlan = z.discriminatedUnion('kind', [HttpCheckPlan, CommandCheckPlan]);
export type AcceptanceCheckPlan = z.infer<typeof AcceptanceCheckPlan>;

export const AcceptancePlan = z.strictObject({
  checks: z.array(AcceptanceCheckPlan).min(1).max(L.maxChecks),
});
export type AcceptancePlan = z.infer<typeof AcceptancePlan>;

/** For grammar-constrained decoding and for checking API models' answers: generated from zod, so the two never disagree. */
export const ACCEPTANCE_PLAN_JSON_SCHEMA = z.toJSONSchema(AcceptancePlan, { target: 'draft-7', io: 'output' });
