import type { AcceptanceCheck, AcceptanceCheckKind, RequestBody } from '../../proto/index.js';
import { CheckBuilder, type DeriveContext } from './check-builder.js';
import { badRequestExpectation } from './expectations.js';
import { isObject } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { constraintViolations, wrongTypeValue } from './sample.js';
import { pushBadBody } from './stored-read-back.js';
import { objectView } from './schema-view.js';

interface BadBody {
  kind: AcceptanceCheckKind;
  /** Makes the check id unique: the field, and the constraint broken. */
  detail: string;
  title: string;
  body: RequestBody;
}

/**
 * Bodies the operation must refuse with its documented 4xx (where it
 * documents none, refuse or store nothing invalid), never a 5xx: a
 * required field missing, a field of the wrong type, a value breaking one
 * constraint, and JSON that does not parse. Every bad body is first
 * confirmed invalid by the request schema itself, so an app is never blamed
 * for accepting something the spec allows.
 */
export function negativeChecks(ctx: DeriveContext, op: OperationSpec): AcceptanceCheck[] {
  if (!op.requestBody) return [];
  const valid = ctx.bodies.valid(op);
  const badBodies = valid.ok ? invalidBodies(ctx, op, valid.value) : [];
  badBodies.push({ kind: 'malformed_json', detail: '', title: 'a body that is not JSON', body: { kind: 'raw', text: '{"broken": ', contentType: 'application/json' } });
  return badBodies.map((bad) => {
    const b = new CheckBuilder(ctx);
    const params = b.paramsFor(op.path);
    // Malformed JSON is commonly answered 400 by the framework, before the app's own validation (documented as 422) runs.
    const expect = badRequestExpectation(op, ctx.registry, bad.kind === 'malformed_json' ? [400] : []);
    if (params) pushBadBody(b, ctx, op, params, `send ${bad.title}`, bad.body, expect);
    const id = [op.operationId, bad.kind, bad.detail].filter(Boolean).join('.');
    return b.build(id, op.operationId, bad.kind, `${op.method.toUpperCase()} ${op.path} refuses ${bad.title}`);
  });
}

function invalidBodies(ctx: DeriveContext, op: OperationSpec, valid: unknown): BadBody[] {
  if (!isObject(valid)) return [];
  const view = objectView(op.requestBody?.schema ?? null);
  const writable = Object.entries(view.properties).filter(([, schema]) => schema.readOnly !== true);
  const out: BadBody[] = [];
  const keep = (kind: AcceptanceCheckKind, detail: string, title: string, value: Record<string, unknown>) => {
    if (!ctx.bodies.isValid(op, value)) out.push({ kind, detail, title, body: { kind: 'json', value } });
  };
  for (const field of view.required) {
    if (!(field in valid) || view.properties[field]?.readOnly === true) continue;
    const rest = { ...valid };
    delete rest[field];
    keep('missing_required', field, `a body without the required field ${field}`, rest);
  }
  for (const [field, schema] of writable) {
    const wrong = wrongTypeValue(schema);
    if (wrong !== undefined) keep('wrong_type', field, `${field} of the wrong type (${JSON.stringify(wrong)})`, { ...valid, [field]: wrong });
  }
  for (const [field, schema] of writable) {
    const seen = new Set<string>();
    for (const violation of constraintViolations(schema, valid[field])) {
      if (seen.has(violation.keyword)) continue;
      const body = { ...valid, [field]: violation.value };
      if (ctx.bodies.isValid(op, body)) continue;
      seen.add(violation.keyword);
      keep('constraint', `${field}.${violation.keyword}`, `${field} breaking its ${violation.keyword} (${short(violation.value)})`, body);
    }
  }
  return out;
}

const short = (value: unknown) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};
