import type { Capture } from '../../proto/index.js';
import { isObject, type Json } from './load-spec.js';
import { documentedStatuses, responseFor, type OperationSpec } from './operations.js';
import { objectView, singleType } from './schema-view.js';

/** An id's place in one documented success of a create; `status` is absent when every success puts it there. */
export type IdPointer = Omit<Capture, 'var'>;

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

/** bookId and book_id name a book's id: the parameter without its prefix. */
export const stripIdPrefix = (name: string) => name.replace(/^[a-z0-9]+(Id|_id|ID)$/, (_, suffix: string) => (suffix === '_id' ? 'id' : suffix.toLowerCase()));

/**
 * Where the create's documented successes put the new id. Usually one place
 * for all of them; a create documenting 200 and 201 with different bodies
 * gets one pointer per status, so a setup step takes the id from whichever
 * documented success came back.
 */
export function idPointersOf(create: OperationSpec, itemParam: string | null, plural: string): { idField: string; idPointers: IdPointer[]; createdAt: string } | null {
  const found = documentedStatuses(create, '2')
    .codes.sort((a, b) => a - b)
    .flatMap((status) => {
      const location = idLocationOf(responseFor(create, status)?.media?.schema ?? null, itemParam, plural);
      return location ? [{ status, ...location }] : [];
    });
  const first = found[0];
  if (!first) return null;
  const pointerOf = (l: IdLocation) => `${l.at}/${escape(l.field)}`;
  const same = found.every((l) => pointerOf(l) === pointerOf(first));
  return { idField: first.field, createdAt: first.at, idPointers: same ? [{ pointer: pointerOf(first) }] : found.map((l) => ({ pointer: pointerOf(l), status: l.status })) };
}

interface IdLocation {
  /** The wrapper the resource sits in ('' for none). */
  at: string;
  field: string;
}

/** Names an envelope gives the one resource it carries; another object property (an owner, an author) is not the resource. */
const WRAPPERS = new Set(['data', 'item', 'result', 'resource', 'record', 'payload']);

/**
 * Which property carries the id: the parameter's own name, `id`, or the
 * parameter without its prefix (bookId, book_id); at the top level, else in
 * an envelope around the resource ({ data: { id } }, or { book: { id } }
 * where `plural` is books).
 */
export function idLocationOf(schema: Json | null, itemParam: string | null, plural: string): IdLocation | null {
  const candidates = [itemParam, 'id', itemParam && stripIdPrefix(itemParam), '_id', 'uuid'].filter((c): c is string => typeof c === 'string');
  const idIn = (s: Json | null) => {
    const { properties } = objectView(s);
    return candidates.find((c) => c in properties && isObject(properties[c]) && singleType(properties[c]) !== 'object') ?? null;
  };
  const top = idIn(schema);
  if (top) return { at: '', field: top };
  const isWrapper = (name: string) => WRAPPERS.has(name) || name === plural || `${name}s` === plural;
  const wrappers = Object.entries(objectView(schema).properties).filter(([name, p]) => isWrapper(name) && singleType(p) === 'object');
  const inside = wrappers.flatMap(([name, p]) => {
    const field = idIn(p);
    return field ? [{ at: `/${escape(name)}`, field }] : [];
  });
  return inside.length === 1 ? (inside[0] ?? null) : null;
}
