import type { ListShape } from '../../proto/index.js';
import { idLocationOf, idPointersOf, type IdPointer } from './id-location.js';
import { formEncodingOf } from './form-bodies.js';
import { isObject, type Json } from './load-spec.js';
import { documentedStatuses, responseFor, type OperationSpec } from './operations.js';
import { objectView, singleType } from './schema-view.js';

/**
 * A resource as paths and methods show it: POST on a collection creates one,
 * and the collection followed by a parameter names one. `/lists/{listId}/items`
 * is the items collection of one list, so creating an item needs a list first.
 */
export interface Resource {
  collection: string;
  /** The parameter that names one resource in paths under the collection, e.g. bookId. */
  itemParam: string | null;
  create: OperationSpec;
  /** The property of the resource that holds its id, e.g. id. */
  idField: string;
  /** Where each documented success of the create puts the new id: /id, or /data/id in a wrapper. */
  idPointers: IdPointer[];
  /** Where the created resource sits in the create's (first documented) success: '' for the whole body, /data in a wrapper. */
  createdAt: string;
  /** Where the resource sits in the read's answer: '' for the whole body, /data in a wrapper. */
  readAt: string;
  read: OperationSpec | null;
  list: OperationSpec | null;
  listShape: ListShape | null;
  replace: OperationSpec | null;
  patch: OperationSpec | null;
  remove: OperationSpec | null;
}

export const segmentsOf = (path: string) => path.split('/').filter(Boolean);
export const paramName = (segment: string) => (/^\{([^}]+)\}$/.exec(segment)?.[1] ?? null);

/** The lowest documented 2xx code, the one a call is expected to get first. */
export const successStatus = (op: OperationSpec) => documentedStatuses(op, '2').codes.sort((a, b) => a - b)[0] ?? null;

/** The schema of an operation's documented success body. */
export function successSchema(op: OperationSpec): Json | null {
  const status = successStatus(op);
  return status === null ? null : (responseFor(op, status)?.media?.schema ?? null);
}

/**
 * The schema of the body an operation sends: its JSON body's, else its form's
 * (multipart/form-data or urlencoded: an upload creates a file record as a
 * JSON body creates a row); null for any other body or none.
 */
export function writeSchemaOf(op: OperationSpec): Json | null {
  if (op.requestBody) return op.requestBody.schema ?? {};
  const media = op.requestMedia;
  return media && formEncodingOf(media.contentType) ? (media.schema ?? {}) : null;
}

export function inferResources(operations: readonly OperationSpec[]): Map<string, Resource> {
  const resources = new Map<string, Resource>();
  const on = (method: OperationSpec['method'], path: string) => operations.find((o) => o.method === method && o.path === path) ?? null;
  for (const create of operations) {
    if (create.method !== 'post' || !writeSchemaOf(create)) continue;
    const collection = create.path;
    if (paramName(segmentsOf(collection).at(-1) ?? '') !== null) continue;
    const itemParam = itemParamOf(operations, collection);
    const plural = segmentsOf(collection).filter((s) => paramName(s) === null).at(-1) ?? '';
    const ids = idPointersOf(create, itemParam, plural);
    if (!ids) continue;
    const { idField, idPointers, createdAt } = ids;
    const item = itemParam ? `${collection}/{${itemParam}}` : null;
    const list = on('get', collection);
    const read = item ? on('get', item) : null;
    resources.set(collection, {
      collection,
      itemParam,
      create,
      idField,
      idPointers,
      createdAt,
      readAt: (read && idLocationOf(successSchema(read), itemParam, plural)?.at) ?? '',
      read,
      list,
      listShape: list ? listShapeOf(successSchema(list), idField) : null,
      replace: item ? on('put', item) : null,
      patch: item ? on('patch', item) : null,
      remove: item ? on('delete', item) : null,
    });
  }
  return resources;
}

/** The parameter right after the collection in any path: /lists/{listId}/items names a list by listId. */
function itemParamOf(operations: readonly OperationSpec[], collection: string): string | null {
  const depth = segmentsOf(collection).length;
  for (const op of operations) {
    const segments = segmentsOf(op.path);
    if (segments.length <= depth || `/${segments.slice(0, depth).join('/')}` !== collection) continue;
    const name = paramName(segments[depth] ?? '');
    if (name) return name;
  }
  return null;
}

/** The resource's own schema in an answer: the body's, or the wrapper's at `at`. */
export function itemSchemaAt(schema: Json | null, at: string): Json | null {
  if (!at) return schema;
  const name = at.slice(1).replace(/~1/g, '/').replace(/~0/g, '~');
  return objectView(schema).properties[name] ?? null;
}

/** The list is the body itself, or the first array property of a wrapper such as { items, total }. */
function listShapeOf(schema: Json | null, idField: string): ListShape | null {
  if (!schema) return null;
  if (singleType(schema) === 'array' || isObject(schema.items)) return { pointer: '', idField };
  const { properties } = objectView(schema);
  const arrayProperty = Object.entries(properties).find(([, p]) => singleType(p) === 'array');
  return arrayProperty ? { pointer: `/${escapePointer(arrayProperty[0])}`, idField } : null;
}

export const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
