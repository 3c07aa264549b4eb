import { stripIdPrefix } from './id-location.js';
import type { Json } from './load-spec.js';
import { itemSchemaAt, paramName, segmentsOf, successSchema, writeSchemaOf, type Resource } from './resources.js';
import { objectView } from './schema-view.js';

/**
 * Properties the server owns, never the client: the captured id, every
 * property `readOnly` in any of the resource's schemas, and properties named
 * after a path parameter of the resource (its own id, a parent's listId). A
 * client may send them, but the server assigns them, so they are never
 * compared with what was sent and never chosen as the field to change.
 */
export function serverOwnedFields(resource: Resource, ...schemas: ReadonlyArray<Json | null>): Set<string> {
  const owned = new Set<string>([resource.idField]);
  const params = [...segmentsOf(resource.collection).map(paramName), resource.itemParam].filter((p): p is string => p !== null);
  for (const param of params) {
    owned.add(param);
    owned.add(stripIdPrefix(param));
  }
  const all = [writeSchemaOf(resource.create), createdItemSchema(resource), ...schemas];
  for (const schema of all) {
    for (const [name, property] of Object.entries(objectView(schema).properties)) if (property.readOnly === true) owned.add(name);
  }
  return owned;
}

/** The resource's schema in the create's documented success, inside its wrapper when it has one. */
export function createdItemSchema(resource: Resource): Json | null {
  return itemSchemaAt(successSchema(resource.create), resource.createdAt);
}
