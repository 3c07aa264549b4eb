import { z } from 'zod';

type JsonSchema = z.core.JSONSchema.JSONSchema;

/** One leaf key of config.json, as the reference shows it. */
export interface ConfigKey {
  /** Dotted path, e.g. `sandbox.limits.cpus`. */
  path: string;
  description: string | undefined;
  type: string;
  /** The default as JSON, `unset` for an optional key without one, `required` for a key that must be given. */
  default: string;
  /** Enumerated values, ranges, patterns; '' when any value of the type goes. */
  allowed: string;
}

/** A section (an object of keys) with its own description, in schema order. */
export interface ConfigSection {
  path: string;
  description: string | undefined;
  keys: ConfigKey[];
}

/**
 * The config schema's sections and leaf keys, read from its JSON Schema
 * (zod's own conversion), so what the reference says is what loadConfig
 * checks. Input mode: defaults and optional keys as a user writes them.
 */
export function configSections(schema: z.ZodType): ConfigSection[] {
  const root = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const sections: ConfigSection[] = [];
  walk(root, '', sections);
  return sections;
}

export function configKeys(schema: z.ZodType): ConfigKey[] {
  return configSections(schema).flatMap((s) => s.keys);
}

function walk(object: JsonSchema, path: string, sections: ConfigSection[]): void {
  const section: ConfigSection = { path, description: object.description, keys: [] };
  sections.push(section);
  const nested: Array<[string, JsonSchema]> = [];
  const required = new Set(object.required ?? []);
  for (const [name, property] of Object.entries(object.properties ?? {})) {
    if (typeof property === 'boolean') continue;
    const keyPath = path ? `${path}.${name}` : name;
    if (isSection(property)) nested.push([keyPath, property]);
    else section.keys.push(leaf(keyPath, property, required.has(name)));
  }
  // Sections come after the keys of their parent, so a table is never split by a sub-heading.
  for (const [keyPath, property] of nested) walk(property, keyPath, sections);
}

function isSection(schema: JsonSchema): boolean {
  return schema.type === 'object' && schema.properties !== undefined;
}

function leaf(path: string, schema: JsonSchema, required: boolean): ConfigKey {
  const fallback = 'default' in schema ? JSON.stringify(schema.default) : required ? 'required' : 'unset';
  return { path, description: schema.description, type: typeOf(schema), default: fallback, allowed: allowedOf(schema) };
}

function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  if (schema.type === 'array') return `array of ${itemSchema(schema) ? typeOf(itemSchema(schema) as JsonSchema) : 'values'}`;
  if (schema.type === 'object') {
    const values = typeof schema.additionalProperties === 'object' ? typeOf(schema.additionalProperties) : 'values';
    return `object of ${values}`;
  }
  const type = Array.isArray(schema.type) ? schema.type.join(' or ') : (schema.type ?? 'any');
  return schema.format === 'uri' ? `${type} (URL)` : type;
}

function itemSchema(schema: JsonSchema): JsonSchema | undefined {
  return typeof schema.items === 'object' && !Array.isArray(schema.items) ? schema.items : undefined;
}

/** zod writes an unbounded integer's maximum as the largest safe integer: no bound worth showing. */
const NO_BOUND = Number.MAX_SAFE_INTEGER;

function allowedOf(schema: JsonSchema): string {
  if (schema.anyOf) return schema.anyOf.map(allowedOf).filter(Boolean).join('; ');
  const parts: string[] = [];
  if (schema.enum) parts.push(schema.enum.map((v) => JSON.stringify(v)).join(', '));
  const range = rangeOf(schema);
  if (range) parts.push(range);
  if (schema.minLength === 1) parts.push('non-empty');
  if (schema.pattern) parts.push(`matches \`${schema.pattern}\``);
  if (schema.type === 'array') {
    const { minItems, maxItems } = schema;
    if (minItems !== undefined || maxItems !== undefined) parts.push(`${minItems ?? 0}–${maxItems ?? 'any'} items`);
    const item = itemSchema(schema);
    const each = item ? allowedOf(item) : '';
    if (each) parts.push(`each ${each}`);
  }
  if (schema.type === 'object' && typeof schema.propertyNames === 'object') {
    const names = allowedOf(schema.propertyNames);
    if (names) parts.push(`names ${names}`);
  }
  return parts.join('; ');
}

function rangeOf(schema: JsonSchema): string {
  const min = schema.minimum;
  const max = schema.maximum !== undefined && schema.maximum < NO_BOUND ? schema.maximum : undefined;
  const exclusiveMin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  if (min !== undefined && max !== undefined) return `${min}–${max}`;
  if (exclusiveMin !== undefined && max !== undefined) return `> ${exclusiveMin}, ≤ ${max}`;
  if (min !== undefined) return `≥ ${min}`;
  if (exclusiveMin !== undefined) return `> ${exclusiveMin}`;
  if (max !== undefined) return `≤ ${max}`;
  return '';
}
