import { isObject, type Json } from './load-spec.js';

export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export interface ObjectView {
  properties: Record<string, Json>;
  required: string[];
}

/**
 * The top-level properties of an object schema, with `allOf` parts merged:
 * what a body built from or checked against it can have. oneOf/anyOf
 * branches are not merged: which one applies depends on the value.
 */
export function objectView(schema: Json | null): ObjectView {
  const view: ObjectView = { properties: {}, required: [] };
  const visit = (s: Json, depth: number) => {
    if (depth > 8) return;
    if (isObject(s.properties)) {
      for (const [name, property] of Object.entries(s.properties)) {
        if (isObject(property) && !(name in view.properties)) view.properties[name] = property;
      }
    }
    if (Array.isArray(s.required)) {
      for (const name of s.required) if (typeof name === 'string' && !view.required.includes(name)) view.required.push(name);
    }
    if (Array.isArray(s.allOf)) for (const part of s.allOf) if (isObject(part)) visit(part, depth + 1);
  };
  if (schema) visit(schema, 0);
  return view;
}

/** The one JSON type a schema allows, when it names exactly one (besides null); else null. */
export function singleType(schema: Json): JsonType | null {
  const type = schema.type;
  if (typeof type === 'string') return isJsonType(type) ? type : null;
  if (Array.isArray(type)) {
    const named = type.filter((t): t is JsonType => typeof t === 'string' && isJsonType(t) && t !== 'null');
    return named.length === 1 ? (named[0] ?? null) : null;
  }
  if (Array.isArray(schema.allOf)) {
    const types = schema.allOf.filter(isObject).map(singleType).filter((t) => t !== null);
    return types[0] ?? null;
  }
  if (isObject(schema.properties)) return 'object';
  return null;
}

const isJsonType = (t: string): t is JsonType => ['string', 'integer', 'number', 'boolean', 'array', 'object', 'null'].includes(t);

/** Whether a value is a JSON primitive: what a query filter or a changed field can carry. */
export const isPrimitive = (v: unknown): v is string | number | boolean => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Deep equality of JSON values; object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}
