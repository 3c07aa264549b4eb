import type { JSONSchema7 } from 'json-schema';
import { sample } from 'openapi-sampler';
import type { Json } from './load-spec.js';
import { singleType } from './schema-view.js';

/**
 * openapi-sampler reads OpenAPI schemas (nullable, 3.0's exclusiveMinimum),
 * which its JSONSchema7 parameter type under-describes; every schema here is
 * an object from a parsed spec.
 */
const samplerSchema = (schema: Json): schema is Json & JSONSchema7 => typeof schema === 'object';

/**
 * A deterministic value for a schema: openapi-sampler's, which honours
 * formats, enums, bounds and lengths, and simple patterns. `readOnly`
 * properties are left out: a client does not send them. The result is not
 * guaranteed valid (complex patterns): callers validate it.
 */
export function sampleOf(schema: Json, document: Json): unknown {
  if (!samplerSchema(schema)) return undefined;
  try {
    return sample(schema, { skipReadOnly: true, enablePatterns: true, quiet: true }, document);
  } catch {
    return undefined;
  }
}

/**
 * Other values for a field, different from `current`, most plausible first:
 * what a filter needs for "the other item" and an update for "the change".
 * Each candidate is only a guess; callers keep the first the schema accepts.
 */
export function alternativesOf(schema: Json, current: unknown): unknown[] {
  const out: unknown[] = [];
  if (Array.isArray(schema.enum)) out.push(...schema.enum.filter((v) => v !== current && v !== null));
  switch (singleType(schema)) {
    case 'boolean':
      out.push(...[true, false].filter((b) => b !== current));
      break;
    case 'integer':
    case 'number': {
      const n = typeof current === 'number' ? current : 0;
      const bounds = [schema.minimum, schema.maximum, schema.exclusiveMinimum, schema.exclusiveMaximum].filter((b): b is number => typeof b === 'number');
      out.push(n + 1, n - 1, n + 2, ...bounds, ...bounds.map((b) => b + 1), ...bounds.map((b) => b - 1));
      break;
    }
    case 'string':
      out.push(...stringAlternatives(schema, typeof current === 'string' ? current : ''));
      break;
    default:
      break;
  }
  return out.filter((v) => v !== current);
}

const FORMAT_ALTERNATIVES: Record<string, string[]> = {
  date: ['2021-02-03', '2022-03-04'],
  'date-time': ['2021-02-03T04:05:06Z', '2022-03-04T05:06:07Z'],
  email: ['other@example.com', 'another@example.org'],
  uuid: ['3f2b8c1e-5d4a-4c6b-9e7f-1a2b3c4d5e6f', '7a6b5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d'],
  uri: ['https://example.com/other', 'https://example.org/another'],
};

function stringAlternatives(schema: Json, current: string): string[] {
  const format = typeof schema.format === 'string' ? FORMAT_ALTERNATIVES[schema.format] : undefined;
  if (format) return format;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  const fit = (s: string) => (s.length < min ? s + 'x'.repeat(min - s.length) : s).slice(0, Math.max(min, Math.min(max, s.length)));
  // A pattern is easiest kept by changing one character for another of its own class.
  const shifted = [...current].map((_, i) => shiftAt(current, current.length - 1 - i)).filter((s): s is string => s !== null);
  // Values that neither contain nor are contained in the current one first: a filter that matches substrings must still tell them apart.
  return [fit('other value'), fit('changed'), fit(`${current} changed`), ...shifted.slice(0, 4)];
}

function shiftAt(s: string, i: number): string | null {
  const c = s[i];
  if (c === undefined) return null;
  const next = /[0-8]/.test(c) ? String(Number(c) + 1) : c === '9' ? '8' : /[a-y]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 1) : c === 'z' ? 'y' : /[A-Y]/.test(c) ? String.fromCharCode(c.charCodeAt(0) + 1) : c === 'Z' ? 'Y' : null;
  return next === null ? null : s.slice(0, i) + next + s.slice(i + 1);
}

/** A value of another JSON type than the schema's, never null (3.0 `nullable` may allow it). */
export function wrongTypeValue(schema: Json): unknown {
  switch (singleType(schema)) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'not a boolean';
    case 'array':
      return { not: 'an array' };
    case 'object':
      return 'not an object';
    default:
      return undefined;
  }
}

export interface Violation {
  keyword: string;
  value: unknown;
}

/** Values that break one declared constraint each, keeping the type: a too-short string, a number under the minimum. */
export function constraintViolations(schema: Json, valid: unknown): Violation[] {
  const out: Violation[] = [];
  const num = (k: string) => (typeof schema[k] === 'number' ? schema[k] : undefined);
  const type = singleType(schema);
  const step = type === 'integer' ? 1 : 0.5;
  const minLength = num('minLength');
  const maxLength = num('maxLength');
  if (minLength !== undefined && minLength > 0) out.push({ keyword: 'minLength', value: 'x'.repeat(minLength - 1) });
  if (maxLength !== undefined) out.push({ keyword: 'maxLength', value: 'x'.repeat(maxLength + 1) });
  if (typeof schema.pattern === 'string') {
    for (const candidate of ['!', 'not valid!', ' ', '0', 'x']) out.push({ keyword: 'pattern', value: typeof valid === 'string' && valid.length > 0 ? candidate.padEnd(valid.length, '!') : candidate });
  }
  const minimum = num('minimum');
  const maximum = num('maximum');
  if (minimum !== undefined) out.push({ keyword: 'minimum', value: schema.exclusiveMinimum === true ? minimum : minimum - step });
  if (maximum !== undefined) out.push({ keyword: 'maximum', value: schema.exclusiveMaximum === true ? maximum : maximum + step });
  const exclusiveMinimum = num('exclusiveMinimum');
  const exclusiveMaximum = num('exclusiveMaximum');
  if (exclusiveMinimum !== undefined) out.push({ keyword: 'exclusiveMinimum', value: exclusiveMinimum });
  if (exclusiveMaximum !== undefined) out.push({ keyword: 'exclusiveMaximum', value: exclusiveMaximum });
  if (Array.isArray(schema.enum) && type === 'string') out.push({ keyword: 'enum', value: 'not-one-of-the-allowed-values' });
  const minItems = num('minItems');
  const maxItems = num('maxItems');
  if (minItems !== undefined && minItems > 0 && Array.isArray(valid)) out.push({ keyword: 'minItems', value: valid.slice(0, minItems - 1) });
  if (maxItems !== undefined && Array.isArray(valid) && valid.length > 0) out.push({ keyword: 'maxItems', value: Array.from({ length: maxItems + 1 }, () => valid[0]) });
  return out;
}

