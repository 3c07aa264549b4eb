import type { AcceptanceCheck, BodyAssertion, ParamValue } from '../../proto/index.js';
import { CheckBuilder, nounOf, type DeriveContext } from './check-builder.js';
import { listExpectation, notFoundExpectation, successExpectation } from './expectations.js';
import { isFileSchema } from './form-bodies.js';
import { isObject, type Json } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { createdItemSchema, serverOwnedFields } from './identity.js';
import { documentedMerge } from './merge-wording.js';
import { itemSchemaAt, successSchema, writeSchemaOf, type Resource } from './resources.js';
import { alternativesOf } from './sample.js';
import { isPrimitive, objectView, singleType } from './schema-view.js';

type Body = Record<string, unknown>;

/**
 * The stateful sequences a resource's paths and methods allow: create then
 * read back, list, filter, replace and patch, delete. Ids always come from the
 * create responses.
 */
export function sequenceChecks(ctx: DeriveContext, resource: Resource): AcceptanceCheck[] {
  const choice = ctx.bodies.valid(resource.create);
  const body = choice.ok && isObject(choice.value) ? choice.value : null;
  const checks: AcceptanceCheck[] = [];
  const noun = nounOf(resource.collection);
  const withBody = (id: string, kind: AcceptanceCheck['kind'], title: string, build: (b: CheckBuilder, body: Body) => void) => {
    const b = new CheckBuilder(ctx);
    if (body) build(b, body);
    else b.fail(choice.ok ? `the create body of ${noun} is not an object` : choice.problem);
    checks.push(b.build(`${resource.create.operationId}.${id}`, resource.create.operationId, kind, title));
  };
  if (resource.read || resource.listShape) {
    withBody('create_read', 'create_read', `a created ${noun} reads back with the fields sent`, (b, sent) => {
      const v = b.create(resource, sent);
      if (v) readBack(b, ctx, resource, v, comparable(resource, sent));
    });
  }
  if (resource.list && resource.listShape) {
    const list = resource.list;
    const shape = resource.listShape;
    withBody('list', 'list', `the ${noun} list holds every ${noun} created`, (b, sent) => {
      const first = b.create(resource, sent, `create a first ${noun}`);
      const second = b.create(resource, sent, `create a second ${noun}`);
      const params = b.paramsFor(list.path);
      if (!first || !second || !params) return;
      b.push(`list ${noun}s`, list, b.request(list, params, { query: widestPage(list) }), listExpectation(list, ctx.registry, shape, [{ type: 'list_includes', vars: [first, second] }]));
    });
    for (const filter of filters(resource, list)) {
      withBody(`list_filter.${filter.param}`, 'list_filter', `filtering the ${noun} list by ${filter.param} keeps matches only`, (b, sent) => listFilter(b, ctx, resource, sent, filter));
    }
  }
  for (const update of [resource.replace, resource.patch]) {
    if (!update) continue;
    withBody(`update.${update.operationId}`, 'update', `a change through ${update.operationId} is visible on the next read`, (b, sent) => changeThenRead(b, ctx, resource, update, sent));
  }
  if (resource.remove) {
    const remove = resource.remove;
    withBody('delete', 'delete', `a deleted ${noun} is gone`, (b, sent) => {
      const v = b.create(resource, sent);
      const params = v ? b.paramsFor(remove.path, { [resource.itemParam ?? '']: { var: v } }) : null;
      if (!v || !params) return;
      b.push(`delete the ${noun}`, remove, b.request(remove, params), successExpectation(remove, ctx.registry));
      b.setupOf(remove);
      gone(b, ctx, resource, v);
    });
  }
  return checks;
}

/** The fields sent that the response documents (and may return), less those the server owns: what must come back unchanged. */
function comparable(resource: Resource, sent: Body): Body {
  const response = objectView(createdItemSchema(resource)).properties;
  const request = objectView(writeSchemaOf(resource.create)).properties;
  const owned = ownedFields(resource);
  // A form's file part is sent as bytes and read back (if at all) as metadata: never compared.
  const file = (k: string) => isFileSchema(request[k] ?? {});
  return Object.fromEntries(Object.entries(sent).filter(([k]) => k in response && !owned.has(k) && !file(k) && request[k]?.writeOnly !== true && response[k]?.writeOnly !== true));
}

/** What the server assigns, by every schema the resource's operations document. */
const ownedFields = (resource: Resource) =>
  serverOwnedFields(
    resource,
    resource.read ? itemSchemaAt(successSchema(resource.read), resource.readAt) : null,
    ...[resource.replace, resource.patch].flatMap((op) => (op ? [successSchema(op), op.requestBody?.schema ?? null] : [])),
  );

function readBack(b: CheckBuilder, ctx: DeriveContext, resource: Resource, v: string, fields: Body, kept?: { promise: string; fields: string[] }): void {
  const assertion: BodyAssertion = { type: 'fields_equal', of: { var: v, idField: resource.idField }, fields, ...(kept ? { kept } : {}) };
  if (resource.read) {
    if (resource.readAt) assertion.at = resource.readAt;
    const params = b.paramsFor(resource.read.path, { [resource.itemParam ?? '']: { var: v } });
    if (params) b.push(`read the ${nounOf(resource.collection)} back`, resource.read, b.request(resource.read, params), successExpectation(resource.read, ctx.registry, { assertions: [assertion] }));
  } else if (resource.list && resource.listShape) {
    const params = b.paramsFor(resource.list.path);
    if (params) b.push(`find the ${nounOf(resource.collection)} in the list`, resource.list, b.request(resource.list, params, { query: widestPage(resource.list) }), listExpectation(resource.list, ctx.registry, resource.listShape, [assertion]));
  } else b.fail(`no operation reads a ${nounOf(resource.collection)} back`);
}

/** After a delete: the item's read answers 404, or, with no item read, the list no longer has it. */
function gone(b: CheckBuilder, ctx: DeriveContext, resource: Resource, v: string): void {
  if (resource.read) {
    const params = b.paramsFor(resource.read.path, { [resource.itemParam ?? '']: { var: v } });
    if (params) b.push(`read the deleted ${nounOf(resource.collection)}`, resource.read, b.request(resource.read, params), notFoundExpectation(resource.read, ctx.registry));
  } else if (resource.list && resource.listShape) {
    const params = b.paramsFor(resource.list.path);
    if (params) b.push(`list without the deleted ${nounOf(resource.collection)}`, resource.list, b.request(resource.list, params, { query: widestPage(resource.list) }), listExpectation(resource.list, ctx.registry, resource.listShape, [{ type: 'list_excludes', vars: [v] }]));
  } else b.fail(`no operation reads a ${nounOf(resource.collection)} back`);
}

/**
 * Replace or patch one field, then read: the new value is there. An update
 * documented to merge (a PATCH, or a PUT whose spec says so) gets that one
 * field alone, and the fields it did not send must read back as created: a
 * merge that replaces drops them.
 */
function changeThenRead(b: CheckBuilder, ctx: DeriveContext, resource: Resource, update: OperationSpec, sent: Body): void {
  const merges = documentedMerge(ctx.spec, update);
  const change = changedBody(ctx, resource, update, sent, merges);
  if (!change) {
    b.fail(`no field of ${update.operationId}'s body can be changed to another valid value`);
    return;
  }
  const v = b.create(resource, sent);
  const params = v ? b.paramsFor(update.path, { [resource.itemParam ?? '']: { var: v } }) : null;
  if (!v || !params) return;
  const verb = update.method === 'put' ? (merges ? 'update' : 'replace') : 'patch';
  b.push(`${verb} ${change.field}${merges && Object.keys(change.body).length === 1 ? ' alone' : ''}`, update, b.request(update, params, { body: { kind: 'json', value: change.body } }), successExpectation(update, ctx.registry));
  b.setupOf(update);
  if (!merges) {
    readBack(b, ctx, resource, v, comparable(resource, change.body));
    return;
  }
  const changed = comparable(resource, change.body);
  const before = comparable(resource, sent);
  const kept = Object.keys(before).filter((field) => !(field in change.body));
  const promise = `${update.method.toUpperCase()} is documented to merge`;
  readBack(b, ctx, resource, v, { ...before, ...changed }, kept.length > 0 ? { promise, fields: kept } : undefined);
}

/**
 * One field changed to another valid value. A merging update gets that field
 * alone when its schema allows it; a replacing one, the whole body it sent (or
 * a valid one) with that field changed.
 */
function changedBody(ctx: DeriveContext, resource: Resource, update: OperationSpec, sent: Body, merges: boolean): { field: string; body: Body } | null {
  const response = objectView(createdItemSchema(resource)).properties;
  const owned = ownedFields(resource);
  const fields = Object.entries(objectView(update.requestBody?.schema ?? null).properties).filter(([name, s]) => !owned.has(name) && name in response && singleType(s) !== 'object' && singleType(s) !== 'array');
  const base = merges ? null : ctx.bodies.isValid(update, sent) ? sent : validObject(ctx, update);
  for (const [field, schema] of fields) {
    for (const value of alternativesOf(schema, sent[field])) {
      const candidates = base ? [{ ...base, [field]: value }] : [{ [field]: value }, { ...(validObject(ctx, update) ?? {}), [field]: value }];
      const body = candidates.find((c) => ctx.bodies.isValid(update, c));
      if (body) return { field, body };
    }
  }
  return null;
}

const validObject = (ctx: DeriveContext, op: OperationSpec): Body | null => {
  const choice = ctx.bodies.valid(op);
  return choice.ok && isObject(choice.value) ? choice.value : null;
};

interface Filter {
  param: string;
  field: string;
  schema: Json;
}

/** Query parameters named after a field of the item, of the same simple type: filters whose effect can be checked. */
function filters(resource: Resource, list: OperationSpec): Filter[] {
  const item = objectView(createdItemSchema(resource)).properties;
  const owned = ownedFields(resource);
  return list.parameters.flatMap((p): Filter[] => {
    const property = item[p.name];
    if (p.in !== 'query' || !property || owned.has(p.name)) return [];
    const type = singleType(p.schema);
    if (!type || !['string', 'integer', 'number', 'boolean'].includes(type) || type !== singleType(property)) return [];
    return [{ param: p.name, field: p.name, schema: property }];
  });
}

/** Two items that differ only in the filtered field; asking for one value returns the first and not the second. */
function listFilter(b: CheckBuilder, ctx: DeriveContext, resource: Resource, sent: Body, filter: Filter): void {
  const list = resource.list;
  const shape = resource.listShape;
  if (!list || !shape) return;
  const createHas = filter.field in objectView(writeSchemaOf(resource.create)).properties;
  const patch = resource.patch && filter.field in objectView(resource.patch.requestBody?.schema ?? null).properties ? resource.patch : null;
  const setVia = createHas ? resource.create : patch;
  if (!setVia) {
    b.fail(`neither the create nor a patch can set ${filter.field}, so the filter cannot be exercised`);
    return;
  }
  const withValue = (value: unknown): Body => (setVia === resource.create ? { ...sent, [filter.field]: value } : { [filter.field]: value });
  const current = sent[filter.field];
  const values = [...(isPrimitive(current) ? [current] : []), ...alternativesOf(filter.schema, current)].filter((v) => isPrimitive(v) && ctx.bodies.isValid(setVia, withValue(v)));
  const [wanted, other] = [values[0], values.find((v) => v !== values[0])];
  if (wanted === undefined || other === undefined) {
    b.fail(`cannot find two valid values of ${filter.field} to tell the filter's matches apart`);
    return;
  }
  const make = (value: unknown, which: string): string | null => {
    if (setVia === resource.create) return b.create(resource, withValue(value), `create a ${which} ${nounOf(resource.collection)} with ${filter.field}=${String(value)}`);
    const v = b.create(resource, sent, `create a ${which} ${nounOf(resource.collection)}`);
    const params = v ? b.paramsFor(setVia.path, { [resource.itemParam ?? '']: { var: v } }) : null;
    if (!v || !params) return null;
    b.push(`set its ${filter.field} to ${String(value)}`, setVia, b.request(setVia, params, { body: { kind: 'json', value: withValue(value) } }), successExpectation(setVia, ctx.registry));
    b.setupOf(setVia);
    return v;
  };
  const match = make(wanted, 'matching');
  const miss = make(other, 'non-matching');
  const params = b.paramsFor(list.path);
  if (!match || !miss || !params) return;
  const query: Record<string, ParamValue> = { ...widestPage(list), [filter.param]: { value: String(wanted) } };
  b.push(`list with ${filter.param}=${String(wanted)}`, list, b.request(list, params, { query }), listExpectation(list, ctx.registry, shape, [
    { type: 'list_includes', vars: [match] },
    { type: 'list_excludes', vars: [miss] },
    { type: 'list_all_equal', field: filter.field, value: wanted },
  ]));
}

/** A page-size parameter at its documented maximum, so items created earlier in the run do not push ours off the first page. */
function widestPage(list: OperationSpec): Record<string, ParamValue> {
  const size = list.parameters.find((p) => p.in === 'query' && /^(limit|per_?page|page_?size|size|count|max|top)$/i.test(p.name) && typeof p.schema.maximum === 'number');
  return size && typeof size.schema.maximum === 'number' ? { [size.name]: { value: String(size.schema.maximum) } } : {};
}
