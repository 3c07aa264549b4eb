import type { AcceptanceCheck, AcceptanceCheckKind, StepExpectation } from '../../proto/index.js';
import { CheckBuilder, nounOf, type DeriveContext } from './check-builder.js';
import { mediaOf } from './expectations.js';
import { isObject } from './load-spec.js';
import type { OperationSpec, ResponseSpec } from './operations.js';
import { itemSchemaAt, successSchema, type Resource } from './resources.js';
import type { SchemaRegistry } from './schema-registry.js';
import { objectView } from './schema-view.js';
import { DUPLICATE_WORDS, mentions } from './unique-fields.js';

type Body = Record<string, unknown>;

/**
 * Checks that provoke a documented 409 (or a 422 about duplicates) with a
 * duplicate: the create sent again with the same body, and an update that
 * gives one item another's unique value. Only refusals whose description
 * speaks of duplicates (or says no more than "conflict") are provoked this
 * way; one about something else is not guessed at.
 */
export function duplicateChecks(ctx: DeriveContext, resource: Resource): AcceptanceCheck[] {
  const checks: AcceptanceCheck[] = [];
  const noun = nounOf(resource.collection);
  const fields = ctx.unique.of(resource.create);
  const serverSet = serverSetFields(resource);
  const onCreate = duplicateRefusalsOf(resource.create, fields, serverSet);
  if (onCreate.length > 0) {
    const b = new CheckBuilder(ctx);
    const first = b.create(resource) ? b.steps.at(-1) : undefined;
    // The very request again, unique values and all: what the app must refuse.
    if (first) b.pushAsIs(`create the same ${noun} again: ${describe(onCreate)}`, resource.create, first.request, refusalExpectation(resource.create, ctx.registry, onCreate));
    checks.push(b.build(`${resource.create.operationId}.${kindOf(onCreate)}.duplicate`, resource.create.operationId, kindOf(onCreate), `${resource.create.method.toUpperCase()} ${resource.create.path} refuses a duplicate ${noun} with ${codes(onCreate)}`));
  }
  for (const update of [resource.replace, resource.patch]) {
    if (!update || fields.length === 0) continue;
    const refusals = duplicateRefusalsOf(update, fields, serverSet);
    const field = fields.find((f) => f in objectView(update.requestBody?.schema ?? null).properties);
    if (refusals.length === 0 || !field) continue;
    const b = new CheckBuilder(ctx);
    const taken = b.create(resource, undefined, `create a first ${noun}`);
    const takenBody = bodyOf(b);
    const other = taken ? b.create(resource, undefined, `create a second ${noun}`) : null;
    const otherBody = bodyOf(b);
    const params = other ? b.paramsFor(update.path, { [resource.itemParam ?? '']: { var: other } }) : null;
    const value = takenBody?.[field];
    const body = update.method === 'put' && otherBody ? { ...otherBody, [field]: value } : { [field]: value };
    if (params && value !== undefined && ctx.bodies.isValid(update, body)) {
      b.pushAsIs(`give the second ${noun} the first one's ${field}: ${describe(refusals)}`, update, b.request(update, params, { body: { kind: 'json', value: body } }), refusalExpectation(update, ctx.registry, refusals));
    } else b.fail(`cannot build a valid ${update.operationId} body that repeats another ${noun}'s ${field}`);
    checks.push(b.build(`${update.operationId}.${kindOf(refusals)}.duplicate.${field}`, update.operationId, kindOf(refusals), `${update.method.toUpperCase()} ${update.path} refuses another ${noun}'s ${field} with ${codes(refusals)}`));
  }
  return checks;
}

/**
 * The 409s (and 422s) of `op` a duplicate should provoke: about duplicates,
 * about a unique field, or saying no more than "conflict". One about a value
 * the server sets (a generated code) is not: a repeated body never repeats it.
 */
function duplicateRefusalsOf(op: OperationSpec, fields: readonly string[], serverSet: readonly string[]): ResponseSpec[] {
  return op.responses.filter((r) => {
    if (r.status !== '409' && r.status !== '422') return false;
    const named = fields.some((f) => mentions(r.description, f));
    if (!named && serverSet.some((f) => mentions(r.description, f))) return false;
    return named || DUPLICATE_WORDS.test(r.description) || (r.status === '409' && /^\s*(conflict\.?)?\s*$/i.test(r.description));
  });
}

/** Properties of the stored item that no client sends: readOnly, or absent from the create's body. */
function serverSetFields(resource: Resource): string[] {
  const input = objectView(resource.create.requestBody?.schema ?? null).properties;
  const stored = objectView(itemSchemaAt(successSchema(resource.create), resource.createdAt)).properties;
  return Object.entries(stored).filter(([name, s]) => s.readOnly === true || !(name in input)).map(([name]) => name);
}

/** The refusal a step provokes: exactly the documented codes. */
export function refusalExpectation(op: OperationSpec, registry: SchemaRegistry, refusals: readonly ResponseSpec[]): StepExpectation {
  return { statuses: refusals.map((r) => Number(r.status)), statusClass: '4xx', media: mediaOf(op, registry), list: null, assertions: [] };
}

export const kindOf = (refusals: readonly ResponseSpec[]): AcceptanceCheckKind => (refusals.some((r) => r.status === '409') ? 'conflict' : 'unprocessable');
export const codes = (refusals: readonly ResponseSpec[]) => refusals.map((r) => r.status).join(' or ');
/** "409 is documented (A book with this ISBN exists)": the promise, in the step's name, so a failure names it. */
export const describe = (refusals: readonly ResponseSpec[]) => refusals.map((r) => `${r.status} is documented${r.description ? ` ("${r.description.slice(0, 80)}")` : ''}`).join(', ');

/** The JSON body of the check's last step: what a create really sent, unique values rewritten. */
export function bodyOf(b: CheckBuilder): Body | null {
  const body = b.steps.at(-1)?.request.body;
  return body?.kind === 'json' && isObject(body.value) ? body.value : null;
}
