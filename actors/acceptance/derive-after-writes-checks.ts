import type { AcceptanceCheck, ParamValue } from '../../proto/index.js';
import { CheckBuilder, nounOf, type DeriveContext } from './check-builder.js';
import { collectionShape, listedItemsOf } from './existing-ids.js';
import { listExpectation, successExpectation } from './expectations.js';
import { isObject } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { filterParams, widestPage, type FilterParam } from './list-queries.js';
import { escapePointer, paramName, segmentsOf, successSchema } from './resources.js';
import { sampleOf } from './sample.js';
import { isPrimitive, objectView } from './schema-view.js';

/** A filter described like this may match parts of values: "every item equals the value" is not its promise. */
const LOOSE_MATCH = /contain|search|substring|partial|prefix|fuzzy|like|match/i;

/**
 * The pass that runs after every write of the suite (derive-checks.ts puts
 * it last): each collection's list, its filters, and an item read back by an
 * id taken from the list. The checks before it ran on a store they had just
 * filled; these see what every create, update and bad body left behind, so
 * an invalid item the app kept breaks its documented schema here.
 */
export function afterWritesChecks(ctx: DeriveContext): AcceptanceCheck[] {
  return ctx.operations.flatMap((list) => (isCollectionList(ctx, list) ? checksOf(ctx, list) : []));
}

/** A GET on a collection whose answer holds an array, and whose path needs no item this pass would have to create. */
function isCollectionList(ctx: DeriveContext, op: OperationSpec): boolean {
  if (op.method !== 'get' || !listedItemsOf(op)) return false;
  const segments = segmentsOf(op.path);
  if (paramName(segments.at(-1) ?? '') !== null) return false;
  return segments.every((s, i) => paramName(s) === null || !ctx.resources.has(`/${segments.slice(0, i).join('/')}`));
}

function checksOf(ctx: DeriveContext, list: OperationSpec): AcceptanceCheck[] {
  const noun = nounOf(list.path);
  const read = ctx.operations.find((o) => o.method === 'get' && segmentsOf(o.path).length === segmentsOf(list.path).length + 1 && o.path.startsWith(`${list.path}/{`) && paramName(segmentsOf(o.path).at(-1) ?? ''));
  const itemParam = read ? paramName(segmentsOf(read.path).at(-1) ?? '') : null;
  const shape = collectionShape(list, itemParam);
  const items = listedItemsOf(list)?.items ?? null;
  const checks: AcceptanceCheck[] = [];

  const all = new CheckBuilder(ctx);
  const params = all.paramsFor(list.path);
  if (params) all.push(`list every ${noun}`, list, all.request(list, params, { query: widestPage(list) }), successExpectation(list, ctx.registry));
  checks.push(all.build(`${list.operationId}.after_writes.list`, list.operationId, 'after_writes', `after every write, the ${noun} list still matches its documented schema`));

  if (read && shape && itemParam) {
    const b = new CheckBuilder(ctx);
    const listParams = b.paramsFor(list.path);
    const v = b.newVar(list.path);
    if (listParams) {
      b.push(`list the ${noun}s to take one`, list, b.request(list, listParams, { query: widestPage(list) }), successExpectation(list, ctx.registry), [{ var: v, pointer: `${shape.pointer}/0/${escapePointer(shape.idField)}`, optional: true }]);
      b.setupOf(list);
    }
    const readParams = listParams ? b.paramsFor(read.path, { [itemParam]: { var: v } }) : null;
    // The answer must be the item asked for, where the read documents the id at its top level: a wrapper the spec does not document fails here.
    const namesItself = shape.idField in objectView(successSchema(read)).properties;
    const assertions = namesItself ? [{ type: 'fields_equal' as const, of: { var: v, idField: shape.idField }, fields: {} }] : [];
    if (readParams) b.push(`read that ${noun}`, read, b.request(read, readParams), successExpectation(read, ctx.registry, { assertions }));
    checks.push(b.build(`${read.operationId}.after_writes.read`, read.operationId, 'after_writes', `after every write, a listed ${noun} reads back as documented`));
  }

  if (shape && items) {
    for (const filter of filterParams(list, objectView(items).properties)) {
      const value = exactValueOf(ctx, list, filter);
      if (value === null) continue;
      const b = new CheckBuilder(ctx);
      const p = b.paramsFor(list.path);
      const query: Record<string, ParamValue> = { ...widestPage(list), [filter.param.name]: { value: String(value) } };
      if (p) b.push(`list with ${filter.param.name}=${String(value)}`, list, b.request(list, p, { query }), listExpectation(list, ctx.registry, shape, [{ type: 'list_all_equal', field: filter.param.name, value }]));
      checks.push(b.build(`${list.operationId}.after_writes.filter.${filter.param.name}`, list.operationId, 'after_writes', `after every write, filtering the ${noun} list by ${filter.param.name} keeps matches only`));
    }
  }
  return checks;
}

/**
 * A value to filter on whose matches must equal it exactly: a boolean or an
 * enum member (free text may be matched in part, a number may be a bound),
 * preferably the one the suite's creates sent, so the filtered list is not
 * empty.
 */
function exactValueOf(ctx: DeriveContext, list: OperationSpec, filter: FilterParam): string | number | boolean | null {
  const { param, property } = filter;
  const exact = Array.isArray(property.enum) || Array.isArray(param.schema.enum) || param.schema.type === 'boolean';
  if (!exact || LOOSE_MATCH.test(`${String(param.schema.description ?? '')} ${param.name}`)) return null;
  const resource = ctx.resources.get(list.path);
  const body = resource ? ctx.bodies.valid(resource.create) : null;
  const sent = body?.ok && isObject(body.value) ? body.value[param.name] : undefined;
  const candidates = [sent, param.example, ...(Array.isArray(param.schema.enum) ? param.schema.enum : []), ...(Array.isArray(property.enum) ? property.enum : []), sampleOf(property, ctx.spec.document)];
  return candidates.find(isPrimitive) ?? null;
}
