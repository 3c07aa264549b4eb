import type { AcceptanceCheck } from '../../proto/index.js';
import { CheckBuilder, nounOf, type DeriveContext } from './check-builder.js';
import { bodyOf, codes, describe, kindOf, refusalExpectation } from './derive-conflict-checks.js';
import { isObject, type Json } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { itemSchemaAt, segmentsOf, successSchema, type Resource } from './resources.js';
import { objectView, singleType } from './schema-view.js';
import { mentions } from './unique-fields.js';

type Direction = 'below' | 'above';
const WORDS: Record<Direction, RegExp> = {
  below: /below|under|negative|insufficient|not enough|less than|minimum|overdraw|too (low|few|little)/i,
  above: /above|exceed|more than|maximum|capacity|too (high|many|much)|over (the )?limit/i,
};
/** The body field a change-by-amount operation takes, when it has several numbers. */
const AMOUNT = /^(amount|quantity|qty|count|delta|by|units|value)$/i;
/** An operation whose name says which way its amount goes: the amount is a size, never signed. */
const ONE_WAY = /withdraw|spend|debit|deduct|subtract|decrease|reduce|consume|redeem|charge|deposit|credit|increase|top-?up|refill|restock/i;

interface Bound {
  field: string;
  direction: Direction;
  value: number;
  exclusive: boolean;
  readOnly: boolean;
  /** The documented default: what a new item holds when the create does not set it. */
  initial: number | undefined;
}

/**
 * Checks that provoke a documented 409 or 422 with a change the stored
 * item's own bounds forbid: a write that sets a bounded field past its
 * documented minimum or maximum (while the request's schema allows the
 * value, so it is no plain bad body), or a change by an amount that would
 * take the field past it ("stock cannot go below 0" on a withdrawal). The
 * amount is derived only where the refusal or the operation says which way.
 */
export function boundChecks(ctx: DeriveContext, resource: Resource): AcceptanceCheck[] {
  if (!resource.itemParam) return [];
  const item = objectView(itemSchemaAt(successSchema(resource.create), resource.createdAt)).properties;
  const bounds = Object.entries(item).flatMap(([field, schema]) => boundsOf(field, schema));
  if (bounds.length === 0) return [];
  const prefix = `${resource.collection}/{${resource.itemParam}}`;
  const writes = ctx.operations.filter((o) => o.method !== 'get' && o.method !== 'delete' && o.requestBody && (o.path === prefix || o.path.startsWith(`${prefix}/`)));
  return writes.flatMap((op) => bounds.flatMap((bound) => boundCheck(ctx, resource, op, bound) ?? []));
}

function boundCheck(ctx: DeriveContext, resource: Resource, op: OperationSpec, bound: Bound): AcceptanceCheck | null {
  const fields = objectView(op.requestBody?.schema ?? null).properties;
  // A readOnly field is the server's to set (a balance): only a change by an amount can move it.
  const direct = bound.field in fields && fields[bound.field]?.readOnly !== true && !bound.readOnly;
  const about = (text: string) => mentions(text, bound.field) && WORDS[bound.direction].test(text);
  // Only a refusal (or an operation) that names the field and the way ("stock cannot go below 0"): a bare
  // "validation failed" may be answered by clamping the value, which keeps the item valid too.
  const refusals = op.responses.filter((r) => (r.status === '409' || r.status === '422') && (about(r.description) || about(op.summary)));
  if (refusals.length === 0) return null;
  // Set directly, the value is bad for the item: a documented 400 refuses it as well.
  const expected = direct ? [...refusals, ...op.responses.filter((r) => r.status === '400')] : refusals;
  const amountField = direct ? null : amountFieldOf(fields, op.path !== `${resource.collection}/{${resource.itemParam}}`);
  if (!direct && !amountField) return null;
  const noun = nounOf(resource.collection);
  const b = new CheckBuilder(ctx);
  const v = b.create(resource);
  const current = bodyOf(b)?.[bound.field] ?? bound.initial;
  const params = v ? b.paramsFor(op.path, { [resource.itemParam ?? '']: { var: v } }) : null;
  const past = bound.direction === 'below' ? (bound.exclusive ? bound.value : bound.value - 1) : bound.exclusive ? bound.value : bound.value + 1;
  const field = direct ? bound.field : (amountField ?? '');
  const found = direct ? { change: past, body: validBody(ctx, op, field, past) } : typeof current === 'number' ? amountBody(ctx, op, field, past - current) : null;
  const body = found?.body;
  if (!found || !body) return null;
  const { change } = found;
  const what = direct ? `set ${bound.field} to ${past}` : `change ${bound.field} by ${amountField}=${String(change)}, taking it to ${past}`;
  if (params) b.push(`${what}, past its documented ${bound.direction === 'below' ? 'minimum' : 'maximum'} ${bound.value}: ${describe(refusals)}`, op, b.request(op, params, { body: { kind: 'json', value: body } }), refusalExpectation(op, ctx.registry, expected));
  const kind = kindOf(refusals);
  return b.build(`${op.operationId}.${kind}.${bound.field}.${bound.direction}`, op.operationId, kind, `${op.method.toUpperCase()} ${op.path} refuses to take a ${noun}'s ${bound.field} ${bound.direction} ${bound.value} with ${codes(expected)}`);
}

/**
 * The amount that moves the field by `step` (from what it holds to one past
 * its bound): signed where the amount is added (a delta, negative to take out),
 * its size where the operation's name says which way it goes (withdraw,
 * deposit) or the schema takes no negative amount (spend, minimum 1).
 */
function amountBody(ctx: DeriveContext, op: OperationSpec, field: string, step: number): { change: number; body: Record<string, unknown> } | null {
  const oneWay = ONE_WAY.test(`${op.operationId} ${segmentsOf(op.path).at(-1) ?? ''}`);
  const changes = oneWay ? [Math.abs(step)] : [step, Math.abs(step)];
  for (const change of changes) {
    const body = validBody(ctx, op, field, change);
    if (body) return { change, body };
  }
  return null;
}

/** A body for `op` with `field` = `value` that the request's own schema accepts; null when none is. */
function validBody(ctx: DeriveContext, op: OperationSpec, field: string, value: number): Record<string, unknown> | null {
  const sample = ctx.bodies.valid(op);
  const base = sample.ok && isObject(sample.value) ? sample.value : {};
  return [{ [field]: value }, { ...base, [field]: value }].find((c) => ctx.bodies.isValid(op, c)) ?? null;
}

/**
 * The field that says how much to change by: on an action of its own
 * (/accounts/{id}/withdraw) the one number, else one named like an amount;
 * on the item's own path only one named like an amount (the rest set values).
 */
function amountFieldOf(fields: Record<string, Json>, action: boolean): string | null {
  const numeric = Object.entries(fields).filter(([, s]) => ['integer', 'number'].includes(singleType(s) ?? ''));
  if (action && numeric.length === 1) return numeric[0]?.[0] ?? null;
  return numeric.find(([name]) => AMOUNT.test(name))?.[0] ?? null;
}

/** A numeric property's documented bounds, in either dialect (3.0's boolean exclusiveMinimum, 3.1's number). */
function boundsOf(field: string, schema: Json): Bound[] {
  if (!['integer', 'number'].includes(singleType(schema) ?? '')) return [];
  const out: Bound[] = [];
  const known = { field, readOnly: schema.readOnly === true, initial: typeof schema.default === 'number' ? schema.default : undefined };
  if (typeof schema.exclusiveMinimum === 'number') out.push({ ...known, direction: 'below', value: schema.exclusiveMinimum, exclusive: true });
  else if (typeof schema.minimum === 'number') out.push({ ...known, direction: 'below', value: schema.minimum, exclusive: schema.exclusiveMinimum === true });
  if (typeof schema.exclusiveMaximum === 'number') out.push({ ...known, direction: 'above', value: schema.exclusiveMaximum, exclusive: true });
  else if (typeof schema.maximum === 'number') out.push({ ...known, direction: 'above', value: schema.maximum, exclusive: schema.exclusiveMaximum === true });
  return out;
}
