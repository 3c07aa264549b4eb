import type { GbnfJsonSchema } from 'node-llama-cpp';

export interface GbnfBounds {
  /** Upper bound on every string; a grammar without one lets a small model ramble forever. */
  maxStringLength: number;
  maxArrayItems: number;
}

export const DEFAULT_GBNF_BOUNDS: GbnfBounds = { maxStringLength: 1000, maxArrayItems: 16 };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const SCALARS = ['string', 'number', 'integer', 'boolean', 'null'] as const;
type Scalar = (typeof SCALARS)[number];
const isScalar = (v: unknown): v is Scalar => typeof v === 'string' && (SCALARS as readonly string[]).includes(v);

/**
 * An MCP tool's input JSON Schema as the subset node-llama-cpp turns into a
 * grammar. Value constraints the grammar cannot express (patterns, ranges)
 * are dropped: the MCP server validates the call again and answers with an
 * error the model can read. Strings and arrays always get an upper bound.
 */
export function toGbnfSchema(schema: unknown, bounds: GbnfBounds = DEFAULT_GBNF_BOUNDS): GbnfJsonSchema {
  if (!isObject(schema)) return anyValue(bounds);
  const description = typeof schema.description === 'string' ? { description: schema.description.slice(0, 300) } : {};
  if ('const' in schema && isLiteral(schema.const)) return { const: schema.const, ...description };
  if (Array.isArray(schema.enum) && schema.enum.every(isLiteral)) return { enum: schema.enum, ...description };
  const union = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null) as unknown[] | null;
  if (union) return { oneOf: union.map((s) => toGbnfSchema(s, bounds)), ...description };
  const type = schema.type;
  if (Array.isArray(type)) {
    if (type.every(isScalar) && !type.includes('string')) return { type: type as Scalar[], ...description };
    return { oneOf: type.map((t) => toGbnfSchema({ ...schema, type: t }, bounds)), ...description };
  }
  switch (type) {
    case 'string': {
      if (schema.format === 'date-time' || schema.format === 'date' || schema.format === 'time') return { type: 'string', format: schema.format, ...description };
      const max = Math.min(num(schema.maxLength) ?? bounds.maxStringLength, bounds.maxStringLength);
      const min = Math.min(num(schema.minLength) ?? 0, max);
      return { type: 'string', ...(min > 0 ? { minLength: min } : {}), maxLength: max, ...description };
    }
    case 'number':
    case 'integer':
    case 'boolean':
    case 'null':
      return { type, ...description };
    case 'array': {
      const max = Math.min(num(schema.maxItems) ?? bounds.maxArrayItems, bounds.maxArrayItems);
      const min = Math.min(num(schema.minItems) ?? 0, max);
      return { type: 'array', items: toGbnfSchema(schema.items, bounds), ...(min > 0 ? { minItems: min } : {}), maxItems: max, ...description };
    }
    case 'object': {
      const props = isObject(schema.properties) ? schema.properties : {};
      const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, toGbnfSchema(v, bounds)]));
      const required = (Array.isArray(schema.required) ? schema.required : []).filter((k): k is string => typeof k === 'string' && k in properties);
      const extra = schema.additionalProperties;
      return {
        type: 'object',
        properties,
        required,
        additionalProperties: isObject(extra) ? toGbnfSchema(extra, bounds) : false,
        ...(isObject(extra) ? { maxProperties: bounds.maxArrayItems } : {}),
        ...description,
      };
    }
    default:
      return anyValue(bounds);
  }
}

/** `{}` (anything): a bounded scalar, so the grammar still ends. */
function anyValue(bounds: GbnfBounds): GbnfJsonSchema {
  return { oneOf: [{ type: 'string', maxLength: bounds.maxStringLength }, { type: ['number', 'boolean', 'null'] }] };
}

function isLiteral(v: unknown): v is string | number | boolean | null {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}
