import { isObject, type Json } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import type { RequestBodies } from './request-bodies.js';
import { itemSchemaAt, successSchema, type Resource } from './resources.js';
import { objectView, singleType } from './schema-view.js';

/** A 409 or 422 whose description speaks of a repeated value. */
export const DUPLICATE_WORDS = /duplicate|already|exists?\b|unique|taken|in use|same/i;
const UNIQUE_WORD = /\bunique\b/i;
const NOT_UNIQUE = /\b(not|non)[ -]unique\b/i;

/**
 * The fields of a resource whose values the app may refuse to see twice,
 * and fresh values for them. Every create of a suite otherwise sends the same
 * sample, so on an app that refuses duplicates (as its spec documents) every
 * create after the first would fail for a reason the checks never meant to
 * test. One counter for the whole suite keeps every rewritten value apart.
 */
export class UniqueFields {
  private count = 0;
  private readonly memo = new Map<OperationSpec, string[]>();

  constructor(
    private readonly resources: ReadonlyMap<string, Resource>,
    private readonly bodies: RequestBodies,
  ) {}

  /** The fields of `create`'s body to make distinct on every create; empty for most resources. */
  of(create: OperationSpec): string[] {
    let fields = this.memo.get(create);
    if (!fields) {
      fields = this.detect(create);
      this.memo.set(create, fields);
    }
    return fields;
  }

  /** The resource `op` creates, replaces or patches, if any. */
  resourceOf(op: OperationSpec): Resource | null {
    return [...this.resources.values()].find((r) => r.create === op || r.replace === op || r.patch === op) ?? null;
  }

  /**
   * `body` with `field` holding a value no other rewrite of this suite gave,
   * still valid (or still invalid) for `op` as before; null when no such
   * value is found (a tight pattern or enum), so the body goes as it is.
   */
  fresh(op: OperationSpec, body: Record<string, unknown>, field: string): unknown {
    const value = body[field];
    const wasValid = this.bodies.isValid(op, body);
    this.count += 1;
    for (const candidate of variants(value, this.count)) {
      if (this.bodies.isValid(op, { ...body, [field]: candidate }) === wasValid) return candidate;
    }
    return null;
  }

  /**
   * Fields described as unique, or named by a documented 409 (or a 422
   * about duplicates) of the resource's writes; failing those, when the
   * create documents 409 without saying of what, every free-text string. A
   * list's query parameters are never among them: a filter check chooses
   * those values on purpose.
   */
  private detect(create: OperationSpec): string[] {
    const resource = [...this.resources.values()].find((r) => r.create === create);
    const input = objectView(create.requestBody?.schema ?? null).properties;
    const stored = objectView(resource ? itemSchemaAt(successSchema(create), resource.createdAt) : null).properties;
    const filters = new Set(resource?.list?.parameters.filter((p) => p.in === 'query').map((p) => p.name) ?? []);
    const writable = Object.entries(input).filter(([name, s]) => s.readOnly !== true && !filters.has(name));
    const refusals = [create, resource?.replace, resource?.patch].flatMap((op) => (op ? duplicateRefusals(op) : []));
    const marked = writable.filter(([name, s]) => describedUnique(s) || describedUnique(stored[name]) || refusals.some((d) => mentions(d, name)));
    if (marked.length > 0) return marked.map(([name]) => name);
    if (!create.responses.some((r) => r.status === '409')) return [];
    return writable.filter(([, s]) => singleType(s) === 'string' && !Array.isArray(s.enum) && (s.format === undefined || s.format === 'email')).map(([name]) => name);
  }
}

/** Descriptions of the 409s of `op`, and of its 422s that speak of duplicates. */
export function duplicateRefusals(op: OperationSpec): string[] {
  return op.responses.filter((r) => r.status === '409' || (r.status === '422' && DUPLICATE_WORDS.test(r.description))).map((r) => r.description);
}

const describedUnique = (schema: Json | undefined): boolean =>
  isObject(schema) && (schema['x-unique'] === true || (typeof schema.description === 'string' && UNIQUE_WORD.test(schema.description) && !NOT_UNIQUE.test(schema.description)));

/** Whether a description names the field as a word: "a book with this isbn exists" names isbn. */
export const mentions = (description: string, field: string) => new RegExp(`(^|[^A-Za-z0-9_])${field.replace(/[^A-Za-z0-9_]/g, '')}([^A-Za-z0-9_]|$)`, 'i').test(description);

/** Other values of the same kind that keep its shape where they can: digits stay digits, an email stays an email. */
function variants(value: unknown, n: number): unknown[] {
  if (typeof value === 'number') return Number.isInteger(value) ? [value + n, value + 1000 * n, value - n] : [value + n / 100, value + n];
  if (typeof value !== 'string') return [];
  const tag = String(n);
  const out: string[] = [];
  const at = value.indexOf('@');
  if (at > 0) out.push(`${value.slice(0, at)}${tag}${value.slice(at)}`, `${value.slice(0, at)}.${tag}${value.slice(at)}`);
  // The last characters replaced by the counter, padded: keeps a length and a digits-only pattern (an ISBN, a code).
  if (value.length >= tag.length) out.push(`${value.slice(0, value.length - tag.length)}${tag}`);
  out.push(`${value}-${tag}`, `${value}${tag}`, `${tag}${value}`, `${value} ${tag}`);
  const letters = tag.replace(/\d/g, (d) => String.fromCharCode(97 + Number(d)));
  if (value.length >= letters.length) out.push(`${value.slice(0, value.length - letters.length)}${letters}`);
  out.push(`${value}${letters}`);
  return out.filter((v) => v !== value);
}
