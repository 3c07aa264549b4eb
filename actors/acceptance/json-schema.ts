import { isObject, type Json } from './load-spec.js';

export type Direction = 'request' | 'response';

/** Keywords only OpenAPI knows: annotations for docs and codegen that say nothing about validity. */
const OPENAPI_ONLY = new Set(['nullable', 'discriminator', 'xml', 'externalDocs', 'example', 'deprecated']);
const SUBSCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
const SUBSCHEMA = ['items', 'not', 'additionalProperties', 'contains', 'propertyNames', 'if', 'then', 'else'] as const;
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions'] as const;

/**
 * Turns an OpenAPI schema into the JSON Schema ajv validates.
 *
 * OpenAPI 3.0 differs from JSON Schema where it matters for verdicts:
 * `nullable: true` allows null, `exclusiveMinimum: true` is a flag on
 * `minimum`. In both versions a `readOnly` property is not sent in requests
 * and a `writeOnly` one not returned in responses, so neither may be
 * required on that side.
 */
export function toJsonSchema(schema: Json, dialect: '3.0' | '3.1', direction: Direction): Json {
  return convert(schema, dialect, direction, new Map());
}

function convert(schema: Json, dialect: '3.0' | '3.1', direction: Direction, seen: Map<Json, Json>): Json {
  const done = seen.get(schema);
  if (done) return done;
  const out: Json = {};
  seen.set(schema, out);
  const sub = (value: unknown): unknown => (isObject(value) ? convert(value, dialect, direction, seen) : value);
  for (const [key, value] of Object.entries(schema)) {
    if (dialect === '3.0' && OPENAPI_ONLY.has(key)) continue;
    if ((SUBSCHEMA_LISTS as readonly string[]).includes(key) && Array.isArray(value)) out[key] = value.map(sub);
    else if ((SUBSCHEMA as readonly string[]).includes(key)) out[key] = sub(value);
    else if ((SUBSCHEMA_MAPS as readonly string[]).includes(key) && isObject(value)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, sub(v)]));
    else out[key] = value;
  }
  if (dialect === '3.0') {
    exclusiveBound(out, 'exclusiveMinimum', 'minimum');
    exclusiveBound(out, 'exclusiveMaximum', 'maximum');
  }
  dropHiddenFromRequired(out, direction);
  if (dialect === '3.0' && schema.nullable === true) return allowNull(out, seen, schema);
  return out;
}

/** 3.0's `exclusiveMinimum: true, minimum: 5` is JSON Schema's `exclusiveMinimum: 5`. */
function exclusiveBound(out: Json, flag: 'exclusiveMinimum' | 'exclusiveMaximum', bound: 'minimum' | 'maximum'): void {
  if (typeof out[flag] !== 'boolean') return;
  if (out[flag] === true && typeof out[bound] === 'number') {
    out[flag] = out[bound];
    delete out[bound];
  } else delete out[flag];
}

function dropHiddenFromRequired(out: Json, direction: Direction): void {
  if (!Array.isArray(out.required) || !isObject(out.properties)) return;
  const properties = out.properties;
  const hidden = direction === 'request' ? 'readOnly' : 'writeOnly';
  out.required = out.required.filter((name) => {
    const property = typeof name === 'string' ? properties[name] : undefined;
    return !(isObject(property) && property[hidden] === true);
  });
}

function allowNull(out: Json, seen: Map<Json, Json>, original: Json): Json {
  if (typeof out.type === 'string') {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  // No single type to widen (allOf, oneOf, $ref-like compositions): null is one more alternative.
  const wrapped: Json = { anyOf: [out, { type: 'null' }] };
  seen.set(original, wrapped);
  return wrapped;
}
