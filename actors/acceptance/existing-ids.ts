import type { ListShape } from '../../proto/index.js';
import { isObject, type Json } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { escapePointer, successSchema } from './resources.js';
import { objectView, singleType } from './schema-view.js';

/**
 * Where a check finds an id when it cannot create one (no operation creates
 * at that collection): the first item of the collection's list, whose
 * answer is then judged too, else the spec's own example of the parameter.
 * An example is a last resort: the app need not hold it, so a 404 for it
 * leaves the check unverified, never failed.
 */
export type ExistingSource = { type: 'list'; list: OperationSpec; shape: ListShape; pointer: string } | { type: 'example'; value: string };

export function existingIdSource(operations: readonly OperationSpec[], collection: string, param: string): ExistingSource | null {
  const list = operations.find((o) => o.method === 'get' && o.path === collection);
  const shape = list ? collectionShape(list, param) : null;
  if (list && shape) return { type: 'list', list, shape, pointer: `${shape.pointer}/0/${escapePointer(shape.idField)}` };
  const value = exampleOf(operations, collection, param);
  return value === null ? null : { type: 'example', value };
}

/** The list's array (the body, or the first array property of a wrapper) and the item property that names an item. */
export function collectionShape(list: OperationSpec, param: string | null): ListShape | null {
  const listed = listedItemsOf(list);
  const idField = listed ? idFieldOf(listed.items, param) : null;
  return listed && idField ? { pointer: listed.pointer, idField } : null;
}

/** Where a list answer's items are, and their schema; null when the documented success holds no array. */
export function listedItemsOf(list: OperationSpec): { pointer: string; items: Json } | null {
  const schema = successSchema(list);
  if (!schema) return null;
  if (singleType(schema) === 'array' || isObject(schema.items)) return isObject(schema.items) ? { pointer: '', items: schema.items } : null;
  const entry = Object.entries(objectView(schema).properties).find(([, p]) => singleType(p) === 'array');
  return entry && isObject(entry[1].items) ? { pointer: `/${escapePointer(entry[0])}`, items: entry[1].items } : null;
}

/** As resources.ts names a created item's id: the parameter's own name, id, the parameter without its prefix (bookId → id), _id, uuid. */
function idFieldOf(item: Json, param: string | null): string | null {
  const { properties } = objectView(item);
  const stripped = param?.replace(/^[a-z0-9]+(Id|_id|ID)$/, (_, suffix: string) => (suffix === '_id' ? 'id' : suffix.toLowerCase()));
  const candidates = [param, 'id', stripped, '_id', 'uuid'].filter((c): c is string => typeof c === 'string');
  return candidates.find((c) => isObject(properties[c]) && singleType(properties[c]) !== 'object' && singleType(properties[c]) !== 'array') ?? null;
}

/** The spec's example of the path parameter right after `collection`, from any operation that names it. */
function exampleOf(operations: readonly OperationSpec[], collection: string, param: string): string | null {
  for (const op of operations) {
    if (!op.path.startsWith(`${collection}/{${param}}`)) continue;
    const example = op.parameters.find((p) => p.in === 'path' && p.name === param)?.example;
    if (typeof example === 'string' || typeof example === 'number') return String(example);
  }
  return null;
}
