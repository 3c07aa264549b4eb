import type { AcceptanceCheck, ParamValue } from '../../proto/index.js';
import { CheckBuilder, type DeriveContext } from './check-builder.js';
import { successExpectation, unknownIdExpectation } from './expectations.js';
import type { Json } from './load-spec.js';
import { documentedStatuses, type OperationSpec } from './operations.js';
import { paramName, segmentsOf } from './resources.js';
import { operationCheckId } from './root-causes.js';

/**
 * Every operation called once as documented: a create creates, anything on
 * an item gets an item made for it first. Passes on the documented success
 * status, content type and response schema.
 */
export function operationCheck(ctx: DeriveContext, op: OperationSpec): AcceptanceCheck {
  const b = new CheckBuilder(ctx);
  const title = `${op.method.toUpperCase()} ${op.path} answers as documented`;
  const resource = ctx.resources.get(op.path);
  if (resource && resource.create === op) {
    b.create(resource, undefined, `call ${op.operationId}`, 'subject');
    return b.build(operationCheckId(op), op.operationId, 'operation', title);
  }
  const params = b.paramsFor(op.path);
  if (params) {
    let body = null;
    if (op.requestBody) {
      const choice = ctx.bodies.valid(op);
      if (choice.ok) body = { kind: 'json' as const, value: choice.value };
      else if (op.requestBody.required) b.fail(choice.problem);
    }
    b.push(`call ${op.operationId}`, op, b.request(op, params, { body }), successExpectation(op, ctx.registry));
  }
  return b.build(operationCheckId(op), op.operationId, 'operation', title);
}

/**
 * An item path with an id nobody created: the documented 404, never a 5xx.
 * Where no 404 is documented, any 4xx, or a documented success whose body
 * validates (an idempotent DELETE answering 204). The id is well-formed for
 * the parameter's schema, so a 400 for a malformed id cannot hide a missing 404.
 */
export function unknownIdCheck(ctx: DeriveContext, op: OperationSpec): AcceptanceCheck | null {
  const segments = segmentsOf(op.path);
  const last = paramName(segments.at(-1) ?? '');
  if (!last || !ctx.resources.has(`/${segments.slice(0, -1).join('/')}`)) return null;
  // A PUT that may create (201 documented, no 404) has no "unknown" id.
  if (op.method === 'put' && !documentedStatuses(op, '4').codes.includes(404) && documentedStatuses(op, '2').codes.includes(201)) return null;
  const b = new CheckBuilder(ctx);
  const id = `${op.operationId}.unknown_id`;
  const title = `${op.method.toUpperCase()} ${op.path} with an id that does not exist is refused`;
  const schema = op.parameters.find((p) => p.in === 'path' && p.name === last)?.schema ?? {};
  const value = unknownIdValue(ctx, op, schema);
  if (value === null) {
    b.fail(`cannot build an id for {${last}} that its schema accepts`);
    return b.build(id, op.operationId, 'unknown_id', title);
  }
  const params = b.paramsFor(op.path, { [last]: { value } satisfies ParamValue });
  if (params) {
    let body = null;
    if (op.requestBody) {
      const choice = ctx.bodies.valid(op);
      if (!choice.ok) b.fail(choice.problem);
      else body = { kind: 'json' as const, value: choice.value };
    }
    b.push(`call ${op.operationId} with an unknown id`, op, b.request(op, params, { body }), unknownIdExpectation(op, ctx.registry));
  }
  return b.build(id, op.operationId, 'unknown_id', title);
}

function unknownIdValue(ctx: DeriveContext, op: OperationSpec, schema: Json): string | null {
  const key = ctx.registry.add(`${op.operationId} path id`, schema, 'request');
  const type = typeof schema.type === 'string' ? schema.type : 'string';
  const candidates: unknown[] =
    type === 'integer' || type === 'number'
      ? [987654321, typeof schema.maximum === 'number' ? schema.maximum : 99999, 99999, 999]
      : ['f0e1d2c3-b4a5-4968-8776-a5b4c3d2e1f0', 'does-not-exist-404', 'ffffffffffffffffffffffff', 'zzzzzz404'];
  const found = candidates.find((c) => ctx.registry.isValid(key, c));
  return found === undefined ? null : String(found);
}
