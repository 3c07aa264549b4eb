import type { ParamValue, RequestBody, StepExpectation } from '../../proto/index.js';
import { nounOf, type CheckBuilder, type DeriveContext } from './check-builder.js';
import { listExpectation, successExpectation } from './expectations.js';
import type { OperationSpec } from './operations.js';
import type { Resource } from './resources.js';

/** The variable a bad create's id is kept in; newVar's names always end in a digit, so it cannot collide. */
const STORED = 'stored';

/**
 * Sends a body the operation should not take. Where the spec promises no
 * refusal (`orSuccess`), a documented success is allowed, so the steps after
 * it read back what the app kept: the item a create made or an update
 * changed must still match its documented schema. A refusal ends the check
 * before those steps (they are `ifStored`).
 */
export function pushBadBody(b: CheckBuilder, ctx: DeriveContext, op: OperationSpec, params: Record<string, ParamValue>, name: string, body: RequestBody, expect: StepExpectation): void {
  const resource = [...ctx.resources.values()].find((r) => r.create === op || r.replace === op || r.patch === op);
  if (!expect.orSuccess || !resource) {
    b.push(name, op, b.request(op, params, { body }), expect);
    return;
  }
  const created = resource.create === op;
  const capture = created ? resource.idPointers.map((p) => ({ var: STORED, ...p })) : [];
  b.push(name, op, b.request(op, params, { body }), expect, capture);
  const item: ParamValue | undefined = created ? { var: STORED } : params[resource.itemParam ?? ''];
  if (item) readStored(b, ctx, resource, item);
}

function readStored(b: CheckBuilder, ctx: DeriveContext, resource: Resource, item: ParamValue): void {
  const noun = nounOf(resource.collection);
  const before = b.steps.length;
  if (resource.read) {
    const params = b.paramsFor(resource.read.path, { [resource.itemParam ?? '']: item });
    if (params) b.push(`read the stored ${noun} back`, resource.read, b.request(resource.read, params), successExpectation(resource.read, ctx.registry));
  } else if (resource.list && resource.listShape) {
    const params = b.paramsFor(resource.list.path);
    if (params) b.push(`list the ${noun}s, the stored one among them`, resource.list, b.request(resource.list, params), listExpectation(resource.list, ctx.registry, resource.listShape, []));
  }
  const read = b.steps.length > before ? b.steps.at(-1) : undefined;
  if (read) read.ifStored = true;
}
