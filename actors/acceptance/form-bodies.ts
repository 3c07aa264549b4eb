import type { FormPart, RequestBody } from '../../proto/index.js';
import { isObject, type Json, type LoadedSpec } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { sampleOf } from './sample.js';
import { sampleFile } from './sample-files.js';
import type { SchemaRegistry } from './schema-registry.js';
import { isPrimitive, objectView, singleType } from './schema-view.js';

export type FormBody = Extract<RequestBody, { kind: 'form' }>;
export type FormChoice = { ok: true; body: FormBody; values: Record<string, unknown> } | { ok: false; problem: string };

/** The form encoding of a media type; null for any other (JSON, XML, raw bytes). */
export function formEncodingOf(contentType: string): FormBody['encoding'] | null {
  const base = contentType.split(';')[0]?.trim().toLowerCase();
  return base === 'multipart/form-data' ? 'multipart' : base === 'application/x-www-form-urlencoded' ? 'urlencoded' : null;
}

/** A property sent as a file: 3.0's `format: binary`, or 3.1's `contentMediaType` without a `contentEncoding` (raw bytes, not base64 text). */
export function isFileSchema(schema: Json): boolean {
  if (singleType(schema) === 'array') return isObject(schema.items) && isFileSchema(schema.items);
  const stringish = singleType(schema) === 'string' || schema.type === undefined;
  return stringish && (schema.format === 'binary' || (typeof schema.contentMediaType === 'string' && schema.contentEncoding === undefined));
}

/**
 * A valid form body for an operation whose documented body is
 * multipart/form-data or application/x-www-form-urlencoded; null for any
 * other. The values are the spec's example or a sample of its schema, kept
 * only when the schema accepts them (a file part counts as its file name);
 * every binary property, and every required one, is a generated file.
 */
export function buildFormBody(spec: LoadedSpec, registry: SchemaRegistry, op: OperationSpec): FormChoice | null {
  const media = op.requestMedia;
  const encoding = media ? formEncodingOf(media.contentType) : null;
  if (!media || !encoding) return null;
  const schema = media.schema ?? {};
  const key = registry.add(`${op.operationId} form`, schema, 'request');
  const view = objectView(schema);
  const encodings = encodingsOf(spec, op, media.contentType);
  const candidates = [media.example, sampleOf(schema, spec.document)].filter(isObject);
  if (candidates.length === 0) candidates.push({});
  let errors: string[] = [];
  for (const candidate of candidates) {
    const values: Record<string, unknown> = { ...candidate };
    for (const [name, property] of Object.entries(view.properties)) {
      if (isFileSchema(property) && (name in values || view.required.includes(name))) values[name] = fileNameOf(property, encodings[name]);
    }
    errors = registry.errors(key, values);
    if (errors.length === 0) return { ok: true, values, body: { kind: 'form', encoding, parts: partsOf(values, view.properties, encodings, encoding) } };
  }
  return { ok: false, problem: `no valid form body for ${op.operationId}: the spec's example and a sample of its schema both fail that schema (${errors.slice(0, 3).join('; ')}); add a valid example to the spec` };
}

/** The parts of `values`, in their order: files, exploded arrays (a form's default style), JSON text for objects. */
export function partsOf(values: Record<string, unknown>, properties: Record<string, Json>, encodings: Record<string, string>, encoding: FormBody['encoding']): FormPart[] {
  const parts: FormPart[] = [];
  for (const [name, value] of Object.entries(values)) {
    const property = properties[name] ?? {};
    const declared = encoding === 'multipart' ? (encodings[name] ?? null) : null;
    if (isFileSchema(property) && encoding === 'multipart') parts.push({ type: 'file', name, ...sampleFile(declared ?? mediaTypeOf(property)) });
    else if (isPrimitive(value)) parts.push({ type: 'field', name, value: String(value), contentType: declared });
    else if (Array.isArray(value) && value.every(isPrimitive)) for (const item of value) parts.push({ type: 'field', name, value: String(item), contentType: declared });
    else if (value !== null && value !== undefined) parts.push({ type: 'field', name, value: JSON.stringify(value), contentType: encoding === 'multipart' ? (declared ?? 'application/json') : null });
  }
  return parts;
}

/** What stands for a file when the values are validated: its name, a string as `format: binary` expects. */
function fileNameOf(property: Json, declared: string | undefined): string | string[] {
  const name = sampleFile(declared ?? mediaTypeOf(property)).filename;
  return singleType(property) === 'array' ? [name] : name;
}

/** The file's type as the schema gives it: 3.1's contentMediaType, else a type its description names ("a PNG or JPEG image"). */
const mediaTypeOf = (property: Json): string | null => {
  const own = singleType(property) === 'array' && isObject(property.items) ? property.items : property;
  if (typeof own.contentMediaType === 'string') return own.contentMediaType;
  const text = [own.description, property.description].filter((d): d is string => typeof d === 'string').join(' ');
  return DESCRIBED_TYPES.find(([words]) => words.test(text))?.[1] ?? null;
};

/** Upload handlers often filter by type without the spec's `encoding` saying so; its prose usually does. */
const DESCRIBED_TYPES: Array<[RegExp, string]> = [
  [/\bpng\b/i, 'image/png'],
  [/\bjpe?g\b/i, 'image/jpeg'],
  [/\bgif\b/i, 'image/gif'],
  [/\bpdf\b/i, 'application/pdf'],
  [/\bcsv\b/i, 'text/csv'],
  [/\b(image|photo|picture|avatar)s?\b/i, 'image/png'],
];

/** The media's `encoding` map, property → content type; operations.ts keeps the schema and example only. */
export function encodingsOf(spec: LoadedSpec, op: OperationSpec, contentType: string): Record<string, string> {
  const paths = isObject(spec.document.paths) ? spec.document.paths : {};
  const item = paths[op.path];
  const operation = isObject(item) ? item[op.method] : undefined;
  const body = isObject(operation) ? operation.requestBody : undefined;
  const content = isObject(body) && isObject(body.content) ? body.content : {};
  const media = content[contentType];
  const encoding = isObject(media) && isObject(media.encoding) ? media.encoding : {};
  return Object.fromEntries(Object.entries(encoding).flatMap(([name, e]) => (isObject(e) && typeof e.contentType === 'string' ? [[name, e.contentType]] : [])));
}
