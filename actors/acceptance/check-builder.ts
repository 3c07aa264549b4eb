import type { AcceptanceCheck, AcceptanceCheckKind, AcceptanceStep, ParamValue, RequestBody, RequestTemplate, StepExpectation } from '../../proto/index.js';
import { successExpectation } from './expectations.js';
import { isObject, type LoadedSpec } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import type { RequestBodies } from './request-bodies.js';
import { paramName, segmentsOf, type Resource } from './resources.js';
import { sampleOf } from './sample.js';
import type { SchemaRegistry } from './schema-registry.js';

/** What every check derivation reads: the spec, its operations and resources, and the shared schemas. */
export interface DeriveContext {
  spec: LoadedSpec;
  operations: OperationSpec[];
  resources: Map<string, Resource>;
  registry: SchemaRegistry;
  bodies: RequestBodies;
}

/** Headers the checker sets itself, or that a spec's parameter list must not override. */
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'content-length', 'authorization', 'host', 'connection']);

/**
 * Builds one check: its steps, and the resources they need. A path that
 * names a resource gets a real one, created in an earlier step of the same
 * check, never a made-up id. The first thing that cannot be built makes the
 * check unverifiable, with the reason.
 */
export class CheckBuilder {
  readonly steps: AcceptanceStep[] = [];
  private problem: string | null = null;
  private varCount = 0;
  /** The instance of each collection the check works with: the parent of nested resources. */
  private readonly current = new Map<string, string>();

  constructor(private readonly ctx: DeriveContext) {}

  get failed(): boolean {
    return this.problem !== null;
  }

  fail(problem: string): null {
    this.problem ??= problem;
    return null;
  }

  /** Values for every {param} in `path`; the resources they name are created first, once per check. */
  paramsFor(path: string, overrides: Record<string, ParamValue> = {}): Record<string, ParamValue> | null {
    const segments = segmentsOf(path);
    const params: Record<string, ParamValue> = {};
    for (const [i, segment] of segments.entries()) {
      const name = paramName(segment);
      if (!name) continue;
      const given = overrides[name];
      if (given) {
        params[name] = given;
        continue;
      }
      const collection = `/${segments.slice(0, i).join('/')}`;
      const resource = this.ctx.resources.get(collection);
      if (resource) {
        const v = this.current.get(collection) ?? this.create(resource);
        if (!v) return null;
        params[name] = { var: v };
        continue;
      }
      const literal = this.literalParam(path, name);
      if (literal === null) return this.fail(`no operation creates a resource at ${collection}, so there is no real value for {${name}} in ${path}`);
      params[name] = { value: literal };
    }
    return params;
  }

  /** Creates one resource (and its parents), capturing its id; returns the variable that holds it. */
  create(resource: Resource, body?: unknown, name?: string): string | null {
    const params = this.paramsFor(resource.collection);
    if (!params) return null;
    let value = body;
    if (value === undefined) {
      const choice = this.ctx.bodies.valid(resource.create);
      if (!choice.ok) return this.fail(choice.problem);
      value = choice.value;
    }
    const v = this.newVar(resource.collection);
    this.push(name ?? `create ${nounOf(resource.collection)}`, resource.create, this.request(resource.create, params, { body: { kind: 'json', value } }), successExpectation(resource.create, this.ctx.registry), [
      { var: v, pointer: `/${resource.idField}` },
    ]);
    this.current.set(resource.collection, v);
    return v;
  }

  /** A request for `op`; required query and header parameters get sampled values unless given. */
  request(op: OperationSpec, pathParams: Record<string, ParamValue>, extra: { body?: RequestBody | null; query?: Record<string, ParamValue> } = {}): RequestTemplate {
    const query: Record<string, ParamValue> = {};
    const headers: Record<string, string> = { accept: 'application/json' };
    for (const p of op.parameters) {
      if (!p.required || p.in === 'path') continue;
      const value = this.sampleParam(p.schema, p.example);
      if (value === null) {
        this.fail(`cannot build a value for the required ${p.in} parameter ${p.name} of ${op.operationId}`);
        continue;
      }
      if (p.in === 'query') query[p.name] = { value };
      else if (!RESERVED_HEADERS.has(p.name.toLowerCase())) headers[p.name.toLowerCase()] = value;
    }
    return {
      method: op.method,
      path: `${this.ctx.spec.basePath}${op.path}`,
      pathParams,
      query: { ...query, ...extra.query },
      headers,
      body: extra.body ?? null,
    };
  }

  push(name: string, op: OperationSpec, request: RequestTemplate, expect: StepExpectation, capture: AcceptanceStep['capture'] = []): void {
    this.steps.push({ name, operationId: op.operationId, request, expect, capture });
  }

  build(id: string, operationId: string, kind: AcceptanceCheckKind, title: string, security: readonly string[] = []): AcceptanceCheck {
    const unverifiable = security.length > 0 ? `the operation needs credentials (${security.join(', ')}), which autodev accept does not have` : this.problem;
    return { id, operationId, kind, title, steps: unverifiable ? [] : this.steps, unverifiable };
  }

  /** A path parameter that names no resource: only a value the spec fixes (an enum) is not made up. */
  private literalParam(path: string, name: string): string | null {
    const op = this.ctx.operations.find((o) => o.path === path);
    const schema = op?.parameters.find((p) => p.in === 'path' && p.name === name)?.schema;
    const first = isObject(schema) && Array.isArray(schema.enum) ? schema.enum[0] : undefined;
    return first === undefined || first === null ? null : String(first);
  }

  private sampleParam(schema: Record<string, unknown>, example: unknown): string | null {
    const value = example ?? (Array.isArray(schema.enum) ? schema.enum[0] : undefined) ?? sampleOf(schema, this.ctx.spec.document);
    if (value === undefined || value === null) return null;
    return Array.isArray(value) ? value.map(String).join(',') : typeof value === 'object' ? null : String(value);
  }

  private newVar(collection: string): string {
    this.varCount += 1;
    const base = nounOf(collection).replace(/[^A-Za-z0-9]/g, '').replace(/^[^a-z]+/, '') || 'id';
    return `${base.charAt(0).toLowerCase()}${base.slice(1)}${this.varCount}`;
  }
}

/** "books" from /books, "item" from /lists/{listId}/items: for step names and variables. */
export function nounOf(collection: string): string {
  const last = segmentsOf(collection).filter((s) => !paramName(s)).at(-1) ?? 'resource';
  return last.endsWith('ies') ? `${last.slice(0, -3)}y` : last.endsWith('s') && !last.endsWith('ss') ? last.slice(0, -1) : last;
}
