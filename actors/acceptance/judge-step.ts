import type { AcceptanceStep, BodyAssertion, ResponseMedia, StepExpectation } from '../../proto/index.js';
import { pointerIn, type StepOutcome } from './http-executor.js';
import { jsonEqual } from './schema-view.js';
import type { SchemaValidator } from './schema-validator.js';

export interface StepVerdict {
  status: 'passed' | 'failed' | 'unverified';
  problem: string | null;
  schemaErrors: string[];
  /** Set when the app answered a status other than expected: a fact about the operation, which its own check also meets. */
  wrongStatus?: true;
}

const pass: StepVerdict = { status: 'passed', problem: null, schemaErrors: [] };
const fail = (problem: string, schemaErrors: string[] = []): StepVerdict => ({ status: 'failed', problem, schemaErrors });
const unverified = (problem: string): StepVerdict => ({ status: 'unverified', problem, schemaErrors: [] });

/**
 * Judges one step's outcome against its expectation, in the order a person
 * would look: did it answer, with the right status, the documented content
 * type and schema, the ids the next steps need, and the promised content.
 */
export function judgeStep(step: AcceptanceStep, outcome: StepOutcome | undefined, vars: Record<string, string | number>, validator: SchemaValidator): StepVerdict {
  if (!outcome) return unverified('the step was not run');
  const response = outcome.response;
  if (!response) {
    const why = outcome.error ?? 'no response';
    return why.includes('ran out of time') ? unverified(why) : fail(`no answer from the app: ${why}`);
  }
  const { status } = response;
  const expect = step.expect;
  if (status >= 500) return { ...fail(`server error ${status}, expected ${describeStatus(expect)}`), wrongStatus: true };
  if (expect.inconclusive?.statuses.includes(status)) return unverified(`got ${status}: ${expect.inconclusive.reason}`);
  if (!statusAllowed(expect, status)) return { ...fail(`got ${status}, expected ${describeStatus(expect)}${undocumented(expect, status)}`), wrongStatus: true };
  // A setup step only has to work: its content type and schema are its own operation check's to judge.
  if (step.rootCheck !== undefined) return missingCapture(step, outcome) ?? pass;
  // A bad body taken where the spec promises no refusal: the answer must still keep the spec's promises.
  const tookBadInput = expect.orSuccess !== undefined && status < 300;

  const media = mediaFor(expect, status);
  if (media?.contentType && !sameMediaType(media.contentType, response.contentType)) {
    return fail(`content type is ${response.contentType ?? 'missing'}, documented ${media.contentType}`);
  }
  // Texts are looked for in the body as sent, before (and without) any JSON parse.
  const jsonAssertions = expect.assertions.filter((a) => a.type !== 'body_includes');
  const needsBody = Boolean(media?.schema) || step.capture.length > 0 || expect.assertions.length > 0;
  if (!needsBody) return pass;
  if (response.truncated) return unverified('the response body is larger than the checker keeps, so it was not judged');
  for (const assertion of expect.assertions) {
    if (assertion.type !== 'body_includes') continue;
    const missing = assertion.texts.filter((text) => !response.body.includes(text));
    if (missing.length > 0) return fail(`the body does not contain ${missing.map((t) => JSON.stringify(t)).join(', ')}`);
  }
  if (!media?.schema && step.capture.length === 0 && jsonAssertions.length === 0) return pass;
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    return fail('the body is not JSON');
  }
  if (media?.schema) {
    const problem = validator.problem(media.schema);
    if (problem) return unverified(problem);
    const errors = validator.errors(media.schema, body);
    if (errors.length > 0) return fail(schemaProblem(step, status, media.schema, errors), errors.slice(0, 10));
  }
  const noId = missingCapture(step, outcome);
  if (noId) return tookBadInput ? unverified(`the app took it with ${status}, but its answer has no id to read the stored item back by`) : noId;
  for (const assertion of jsonAssertions) {
    const problem = checkAssertion(assertion, body, expect, vars);
    if (problem) return fail(problem);
  }
  return pass;
}

export function statusAllowed(expect: StepExpectation, status: number): boolean {
  const success = expect.orSuccess;
  if (success && status >= 200 && status < 300) return success.statuses.length === 0 || success.statuses.includes(status);
  if (expect.statuses.length > 0) return expect.statuses.includes(status);
  return String(status)[0] === expect.statusClass[0];
}

export function describeStatus(expect: StepExpectation): string {
  const main = expect.statuses.length > 0 ? expect.statuses.join(' or ') : `any ${expect.statusClass}`;
  const success = expect.orSuccess;
  return success ? `${main} or ${success.statuses.length > 0 ? success.statuses.join(' or ') : 'any 2xx'}` : main;
}

/**
 * Names the broken promise when the status is not documented at all (a
 * `default` response documents errors, never a success). A step with no
 * documented responses (a scenario written from the prompt) has no spec to
 * break: its expectation alone is the promise.
 */
function undocumented(expect: StepExpectation, status: number): string {
  if (Object.keys(expect.media).length === 0) return '';
  const documented = String(status) in expect.media || `${String(status)[0]}XX` in expect.media || (status >= 400 && 'DEFAULT' in expect.media);
  return documented ? '' : `: ${status} is not a documented status`;
}

/** Each id the step captures, from the captures that apply to the status that came back. */
function missingCapture(step: AcceptanceStep, outcome: StepOutcome): StepVerdict | null {
  const status = outcome.response?.status;
  if (status === undefined || status >= 300) return null;
  const capture = step.capture.find((c) => (c.status === undefined || c.status === status) && !(c.var in outcome.captured));
  if (capture?.optional) return unverified(`nothing at ${capture.pointer} to take an id from (an empty list?), so the rest of the check could not run`);
  return capture ? fail(`the body has no string or number at ${capture.pointer} to use as the new id`) : null;
}

/** The promise a body broke: the documented schema of the answer, or of the item the app stored when it took a bad body. */
function schemaProblem(step: AcceptanceStep, status: number, schema: string, errors: readonly string[]): string {
  const first = errors[0] ?? '';
  if (step.ifStored) return `the stored item breaks the ${schema} schema: ${first}`;
  if (step.expect.orSuccess) return `the app took it with ${status}, and its answer breaks the ${schema} schema: ${first}`;
  return `the body does not match the documented schema (${schema})`;
}

/** The documented body of a status: its own entry, its range (4XX), or `default`. */
export function mediaFor(expect: StepExpectation, status: number): ResponseMedia | undefined {
  return expect.media[String(status)] ?? expect.media[`${String(status)[0]}XX`] ?? expect.media.DEFAULT;
}

/** application/json matches "application/json; charset=utf-8"; a documented wildcard (application/*) matches its family. */
function sameMediaType(documented: string, actual: string | null): boolean {
  if (!actual) return false;
  const base = (t: string) => t.split(';')[0]?.trim().toLowerCase() ?? '';
  const want = base(documented);
  const got = base(actual);
  if (want === '*/*') return true;
  return want.endsWith('/*') ? got.startsWith(want.slice(0, -1)) : got === want;
}

function checkAssertion(assertion: BodyAssertion, body: unknown, expect: StepExpectation, vars: Record<string, string | number>): string | null {
  const items = expect.list ? pointerIn(body, expect.list.pointer) : undefined;
  const idField = expect.list?.idField;
  if (expect.list && !Array.isArray(items)) return `the body has no list at ${expect.list.pointer || 'its top level'}`;
  const list = Array.isArray(items) ? items : [];
  const idOf = (item: unknown) => (idField ? pointerIn(item, `/${idField.replace(/~/g, '~0').replace(/\//g, '~1')}`) : undefined);
  const has = (v: string) => list.some((item) => sameId(idOf(item), vars[v]));
  switch (assertion.type) {
    case 'list_includes': {
      const missing = assertion.vars.filter((v) => !has(v));
      return missing.length ? `the list lacks ${missing.map((v) => `${v} (${String(vars[v])})`).join(', ')}, created earlier in this check` : null;
    }
    case 'list_excludes': {
      const present = assertion.vars.filter(has);
      return present.length ? `the list still holds ${present.map((v) => `${v} (${String(vars[v])})`).join(', ')}` : null;
    }
    case 'list_all_equal': {
      const wrong = list.find((item) => !sameValue(assertion.value, pointerIn(item, `/${assertion.field}`)));
      return wrong === undefined ? null : `an item has ${assertion.field} = ${short(pointerIn(wrong, `/${assertion.field}`))}, but the filter asked for ${short(assertion.value)}`;
    }
    case 'fields_equal': {
      let target: unknown = assertion.at ? pointerIn(body, assertion.at) : body;
      if (assertion.of) {
        const wanted = vars[assertion.of.var];
        const idPointer = `/${assertion.of.idField.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (expect.list) {
          target = list.find((item) => sameId(idOf(item), wanted));
          if (target === undefined) return `the list lacks ${assertion.of.var} (${String(wanted)})`;
        } else if (!sameId(pointerIn(target, idPointer), wanted)) {
          return `the body is not ${assertion.of.var}: its ${assertion.at ? `${assertion.at}/` : ''}${assertion.of.idField} is ${short(pointerIn(target, idPointer))}, expected ${String(wanted)}`;
        }
      }
      for (const [field, value] of Object.entries(assertion.fields)) {
        const got = pointerIn(target, `/${field}`);
        if (sameValue(value, got)) continue;
        const is = `${field} is ${got === undefined ? 'missing' : short(got)}, expected ${short(value)}`;
        if (assertion.kept?.fields.includes(field)) return `${assertion.kept.promise}, but \`${field}\` was dropped: ${is} (as created, and not sent in the update)`;
        return `${is} (the value sent)`;
      }
      return null;
    }
    case 'body_includes':
      // Judged on the raw body in judgeStep, before any JSON parse.
      return null;
  }
}

const sameId = (a: unknown, b: unknown) => a !== undefined && b !== undefined && (typeof a === 'string' || typeof a === 'number') && String(a) === String(b);

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** JSON equality, except that two spellings of one instant (…Z and …000Z) are the same date-time. */
export function sameValue(sent: unknown, got: unknown): boolean {
  if (jsonEqual(sent, got)) return true;
  if (typeof sent === 'string' && typeof got === 'string' && ISO_INSTANT.test(sent) && ISO_INSTANT.test(got)) {
    const a = Date.parse(sent);
    return !Number.isNaN(a) && a === Date.parse(got);
  }
  return false;
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};
