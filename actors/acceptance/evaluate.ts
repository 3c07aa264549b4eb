import type { AcceptanceCheck, AcceptanceCheckResult, AcceptanceReport, AcceptanceStep, AcceptanceSuite, ExpectedView, SentRequest } from '../../proto/index.js';
import type { CheckOutcome, StepOutcome } from './http-executor.js';
import { describeStatus, judgeStep, mediaFor, statusAllowed, type StepVerdict } from './judge-step.js';
import { blockOnRootCauses, operationCheckId, type JudgedCheck } from './root-causes.js';
import { SchemaValidator } from './schema-validator.js';

const EXCERPT_CHARS = 300;

/**
 * Judges every check from what the app answered. A check passes when all its
 * steps do; otherwise its result is about the first step that did not, with
 * that step's request, expectation and answer. A check whose setup failed on
 * a bug another check reports is blocked on that check (root-causes.ts).
 */
export function evaluateChecks(suite: AcceptanceSuite, outcomes: readonly CheckOutcome[]): AcceptanceCheckResult[] {
  const validator = new SchemaValidator(suite.schemas, suite.dialect);
  const byId = new Map(outcomes.map((o) => [o.id, o]));
  return blockOnRootCauses(suite.checks.map((check) => evaluateCheck(check, byId.get(check.id), validator)));
}

function evaluateCheck(check: AcceptanceCheck, outcome: CheckOutcome | undefined, validator: SchemaValidator): JudgedCheck {
  const base = { id: check.id, operationId: check.operationId, kind: check.kind, title: check.title };
  if (check.unverifiable !== null || check.steps.length === 0) {
    const why = check.unverifiable ?? 'the check has no steps';
    return { blockableOn: null, result: { ...base, status: 'unverified', request: null, expected: { status: '-', contentType: null, schema: null, detail: why }, actual: emptyActual('-', why) } };
  }
  const vars: Record<string, string | number> = {};
  let last: { step: AcceptanceStep; outcome: StepOutcome | undefined; verdict: StepVerdict } | null = null;
  for (const [i, step] of check.steps.entries()) {
    const stepOutcome = outcome?.steps[i];
    // The bad input was refused, so nothing was stored to read back: the check ends, passed.
    if (step.ifStored && !answeredSuccess(outcome?.steps[i - 1])) break;
    Object.assign(vars, stepOutcome?.captured ?? {});
    const verdict = judgeStep(step, stepOutcome, vars, validator);
    last = { step, outcome: stepOutcome, verdict };
    if (verdict.status !== 'passed') break;
  }
  if (!last) throw new Error('unreachable: a check with steps has a last step');
  const { step, outcome: stepOutcome, verdict } = last;
  const response = stepOutcome?.response ?? null;
  const result: AcceptanceCheckResult = {
    ...base,
    status: verdict.status,
    request: sentRequest(stepOutcome),
    expected: expectedView(check, step, response?.status ?? null),
    actual: {
      step: step.name,
      status: response?.status ?? null,
      contentType: response?.contentType ?? null,
      bodyExcerpt: response ? excerpt(response.body) : '',
      schemaErrors: verdict.schemaErrors,
      problem: verdict.problem,
    },
  };
  const blockableOn = step.rootCheck ?? (verdict.wrongStatus ? operationCheckId(step) : null);
  return { result, blockableOn: verdict.status === 'failed' ? blockableOn : null };
}

const answeredSuccess = (outcome: StepOutcome | undefined) => {
  const status = outcome?.response?.status;
  return status !== undefined && status >= 200 && status < 300;
};

export function emptyActual(step: string, problem: string | null) {
  return { step, status: null, contentType: null, bodyExcerpt: '', schemaErrors: [], problem };
}

function sentRequest(outcome: StepOutcome | undefined): SentRequest | null {
  const sent = outcome?.sent;
  if (!sent) return null;
  const head = { method: sent.method, path: sent.path, ...(sent.credentials ? { credentials: sent.credentials } : {}) };
  if (sent.body === null) return head;
  try {
    return { ...head, body: JSON.parse(sent.body) };
  } catch {
    return { ...head, body: sent.body };
  }
}

const DETAIL: Record<AcceptanceCheck['kind'], string> = {
  server_starts: 'the app starts and listens on PORT',
  operation: 'the documented success status, content type and body schema',
  missing_required: 'a 4xx for a body without a required field, never a 5xx',
  wrong_type: 'a 4xx for a field of the wrong type, never a 5xx',
  constraint: 'a 4xx for a value that breaks a constraint, never a 5xx',
  malformed_json: 'a 4xx for a body that is not JSON, never a 5xx',
  unknown_id: 'the documented 404 for an id that does not exist, never a 5xx',
  no_credentials: 'a 401 or 403 (as documented) for a call without the credentials the operation requires',
  create_read: 'what was created reads back with the fields sent',
  list: 'the list holds everything created',
  list_filter: 'the filter returns what matches and nothing else',
  update: 'the change is visible on the next read',
  delete: 'after a delete, the resource is gone (404)',
  after_writes: 'after every write of the suite, what is listed and read back still matches its documented schema and filters',
  conflict: 'the documented 409 for a duplicate or a change the rules forbid',
  unprocessable: 'the documented 422 for a duplicate or a change the rules forbid',
  scenario: 'the exchange the prompt describes: the expected status and body',
  command: 'the command exits as expected and prints what was asked',
};

/** Where the spec documents no refusal, it promises only that what is answered and stored keeps its schemas. */
const UNDOCUMENTED_REFUSAL = 'the spec documents no refusal here: any 4xx, or a documented success whose body validates and after which nothing invalid is stored; never a 5xx';
const STORED_DETAIL = 'what the app stored after taking the bad input matches its documented schema';

function expectedView(check: AcceptanceCheck, step: AcceptanceStep, status: number | null): ExpectedView {
  const expect = step.expect;
  // The body documented for the status that was expected, not for the one that came instead.
  const shown = status !== null && statusAllowed(expect, status) ? status : (expect.statuses[0] ?? (expect.statusClass === '2xx' ? 200 : 400));
  const media = mediaFor(expect, shown);
  const texts = expect.assertions.flatMap((a) => (a.type === 'body_includes' ? a.texts : []));
  const includes = texts.length > 0 ? `; the body contains ${texts.map((t) => JSON.stringify(t)).join(', ')}` : '';
  const detail = step.ifStored ? STORED_DETAIL : expect.orSuccess ? UNDOCUMENTED_REFUSAL : DETAIL[check.kind];
  return { status: describeStatus(expect), contentType: media?.contentType ?? null, schema: media?.schema ?? null, detail: `${step.name}: ${detail}${includes}` };
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

/** Counts and wraps results; `blocked` and `unverified` are neither passed nor failed, and keep `passed < total`. */
export function buildReport(checks: AcceptanceCheckResult[], durationMs: number, app: AcceptanceReport['app']): AcceptanceReport {
  const count = (status: AcceptanceCheckResult['status']) => checks.filter((c) => c.status === status).length;
  return { type: 'acceptance.report', passed: count('passed'), failed: count('failed'), blocked: count('blocked'), unverified: count('unverified'), total: checks.length, durationMs: Math.round(durationMs), app, checks };
}
