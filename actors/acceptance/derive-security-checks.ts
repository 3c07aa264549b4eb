import type { AcceptanceCheck, RequestBody, StepExpectation } from '../../proto/index.js';
import { CheckBuilder, type DeriveContext } from './check-builder.js';
import { mediaOf } from './expectations.js';
import { documentedStatuses, type OperationSpec } from './operations.js';

/** The statuses that mean "who are you?" and "not you". */
const REFUSALS = [401, 403];

/**
 * A secured operation called without credentials must be refused: with the
 * 401 or 403 it documents, or either where it documents neither. Everything
 * the call needs first (the resource it acts on, its parents) is made with
 * credentials, and the body is a valid one, so the missing credentials are
 * the only thing wrong with the request.
 */
export function noCredentialsCheck(ctx: DeriveContext, op: OperationSpec): AcceptanceCheck | null {
  if (op.security.length === 0) return null;
  const b = new CheckBuilder(ctx);
  const params = b.paramsFor(op.path);
  let body: RequestBody | null = null;
  if (op.requestBody) {
    const choice = ctx.bodies.valid(op);
    if (choice.ok) body = { kind: 'json', value: choice.value };
    else if (op.requestBody.required) b.fail(choice.problem);
  }
  if (params) b.pushWithoutCredentials(`call ${op.operationId} without credentials`, op, b.request(op, params, { body }), refusedExpectation(ctx, op));
  const schemes = [...new Set(op.security.flat())].join(', ');
  return b.build(`${op.operationId}.no_credentials`, op.operationId, 'no_credentials', `${op.method.toUpperCase()} ${op.path} without credentials (${schemes}) is refused`);
}

/** Where the spec documents no refusal, its `default` body is not held against a 401 the spec never promised. */
function refusedExpectation(ctx: DeriveContext, op: OperationSpec): StepExpectation {
  const documented = documentedStatuses(op, '4').codes.filter((c) => REFUSALS.includes(c));
  if (documented.length === 0) return { statuses: REFUSALS, statusClass: '4xx', media: {}, list: null, assertions: [] };
  return { statuses: documented, statusClass: '4xx', media: mediaOf(op, ctx.registry), list: null, assertions: [] };
}
