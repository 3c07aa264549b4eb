import type { BodyAssertion, RequestTemplate, StepExpectation } from '../../proto/index.js';
import { isObject } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import type { RequestBodies } from './request-bodies.js';
import { isPrimitive } from './schema-view.js';
import type { UniqueFields } from './unique-fields.js';

type Body = Record<string, unknown>;

/**
 * One check's rewrites of unique fields (unique-fields.ts). A created item's
 * unique values are made fresh; what the check later sends about that item
 * (a full replace carries them again) and what it expects back follow the
 * same rewrite, so a read-back still compares what was really sent.
 */
export class DistinctValues {
  /** Per created item (its variable): field → value in the derivation → value sent. */
  private readonly sent = new Map<string, { create: OperationSpec; fields: Map<string, Map<unknown, unknown>> }>();

  constructor(
    private readonly unique: UniqueFields,
    private readonly bodies: RequestBodies,
  ) {}

  /** The body a create of item `v` sends: its unique fields fresh. */
  created(create: OperationSpec, body: unknown, v: string): unknown {
    const fields = this.unique.of(create);
    if (fields.length === 0 || !isObject(body)) return body;
    const out: Body = { ...body };
    const rewrites = new Map<string, Map<unknown, unknown>>();
    for (const field of fields) {
      if (!isPrimitive(out[field])) continue;
      const fresh = this.unique.fresh(create, out, field);
      if (fresh === null) continue;
      rewrites.set(field, new Map([[out[field], fresh]]));
      out[field] = fresh;
    }
    this.sent.set(v, { create, fields: rewrites });
    return out;
  }

  /**
   * A later step, rewritten to match: a body about a created item carries
   * that item's values (and a changed unique value is made fresh too); a
   * body to a create that is not one of ours (a bad body) gets fresh values
   * where it kept the sample's, so it is refused for what is wrong with it,
   * not as a duplicate; assertions about an item expect what was sent.
   */
  step(op: OperationSpec, request: RequestTemplate, expect: StepExpectation): { request: RequestTemplate; expect: StepExpectation } {
    const body = request.body?.kind === 'json' && isObject(request.body.value) ? request.body.value : null;
    const resource = this.unique.resourceOf(op);
    const param = resource?.itemParam ? request.pathParams[resource.itemParam] : undefined;
    const known = param && 'var' in param ? this.sent.get(param.var) : undefined;
    let value: Body | null = null;
    if (body && resource?.create === op) value = this.freshen(op, body);
    else if (body && known && known.create === resource?.create) value = this.follow(op, body, known);
    const assertions = expect.assertions.map((a) => this.expected(a));
    return {
      request: value ? { ...request, body: { kind: 'json', value } } : request,
      expect: assertions.some((a, i) => a !== expect.assertions[i]) ? { ...expect, assertions } : expect,
    };
  }

  /** A bad body keeps its deliberate values (only the item's own are mapped); a valid one gets fresh values for its changes too. */
  private follow(op: OperationSpec, body: Body, known: { create: OperationSpec; fields: Map<string, Map<unknown, unknown>> }): Body {
    const out: Body = { ...body };
    const valid = this.bodies.isValid(op, body);
    for (const field of this.unique.of(known.create)) {
      const current = out[field];
      if (!isPrimitive(current)) continue;
      const rewrites = known.fields.get(field) ?? new Map<unknown, unknown>();
      known.fields.set(field, rewrites);
      let next = rewrites.get(current);
      if (next === undefined && valid) {
        next = this.unique.fresh(op, out, field) ?? current;
        rewrites.set(current, next);
      }
      if (next !== undefined) out[field] = next;
    }
    return out;
  }

  private freshen(create: OperationSpec, body: Body): Body {
    const sample = this.bodies.valid(create);
    const out: Body = { ...body };
    for (const field of this.unique.of(create)) {
      if (!sample.ok || !isObject(sample.value) || !isPrimitive(out[field]) || out[field] !== sample.value[field]) continue;
      out[field] = this.unique.fresh(create, out, field) ?? out[field];
    }
    return out;
  }

  private expected(assertion: BodyAssertion): BodyAssertion {
    if (assertion.type !== 'fields_equal' || !assertion.of) return assertion;
    const known = this.sent.get(assertion.of.var);
    if (!known) return assertion;
    const fields = Object.fromEntries(Object.entries(assertion.fields).map(([field, value]) => [field, known.fields.get(field)?.get(value) ?? value]));
    return { ...assertion, fields };
  }
}
