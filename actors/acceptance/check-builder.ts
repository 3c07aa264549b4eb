import type { AcceptanceCheck, AcceptanceCheckKind, AcceptanceStep, ParamValue, RequestBody, RequestTemplate, StepExpectation } from '../../proto/index.js';
import { DistinctValues } from './distinct-values.js';
import { existingIdSource } from './existing-ids.js';
import { successExpectation } from './expectations.js';
import { encodingsOf, partsOf } from './form-bodies.js';
import { isObject, type LoadedSpec } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import type { RequestBodies } from './request-bodies.js';
import { paramName, segmentsOf, type Resource } from './resources.js';
import { operationCheckId } from './root-causes.js';
import { sampleOf } from './sample.js';
import type { SchemaRegistry } from './schema-registry.js';
import { objectView } from './schema-view.js';
import type { UniqueFields } from './unique-fields.js';

/** What every check derivation reads: the spec, its operations and resources, and the shared schemas. */
export interface DeriveContext {
  spec: LoadedSpec;
  operations: OperationSpec[];
  resources: Map<string, Resource>;
  registry: SchemaRegistry;
  bodies: RequestBodies;
  unique: UniqueFields;
}

/** Headers the checker sets itself, or that a spec's parameter list must not override. */
const RESERVED_HEADERS = new Set(['accept', 'content-type', 'content-length', 'authorization', 'host', 'connection']);

/**
 * Builds one check: its steps, and the resources they need. A path that
 * names a resource gets a real one, created in an earlier step of the same
 * check (or, where nothing creates one, taken from what the app lists),
 * never a made-up id. The first thing that cannot be built makes the
 * check unverifiable, with the reason.
 */
export class CheckBuilder {
  readonly steps: AcceptanceStep[] = [];
  private problem: string | null = null;
  private varCount = 0;
  /** The instance of each collection the check works with: the parent of nested resources. */
  private readonly current = new Map<string, string>();
  /** Path parameters filled from the spec's examples: the app need not hold those ids. */
  private readonly exampleParams = new Set<string>();
  private readonly distinct: DistinctValues;

  constructor(private readonly ctx: DeriveContext) {
    this.distinct = new DistinctValues(ctx.unique, ctx.bodies);
  }

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
      const value = literal !== null ? { value: literal } : this.existing(collection, name);
      if (value === null) return this.fail(`no operation creates or lists a resource at ${collection}, and the spec has no example of {${name}}, so there is no real value for it in ${path}`);
      params[name] = value;
    }
    return params;
  }

  /**
   * Creates one resource (and its parents), capturing its id; returns the
   * variable that holds it. The create is a setup step, judged by the
   * create's own operation check, unless it is the `subject` of this check.
   */
  create(resource: Resource, body?: unknown, name?: string, role: 'setup' | 'subject' = 'setup'): string | null {
    const params = this.paramsFor(resource.collection);
    if (!params) return null;
    let value = body;
    if (value === undefined) {
      const choice = this.ctx.bodies.valid(resource.create);
      if (!choice.ok) return this.fail(choice.problem);
      value = choice.value;
    }
    const v = this.newVar(resource.collection);
    value = this.distinct.created(resource.create, value, v);
    const capture = resource.idPointers.map((p) => ({ var: v, ...p }));
    this.push(name ?? `create ${nounOf(resource.collection)}`, resource.create, this.request(resource.create, params, { body: this.createBody(resource.create, value) }), successExpectation(resource.create, this.ctx.registry), capture);
    if (role === 'setup') this.setupOf(resource.create);
    this.current.set(resource.collection, v);
    return v;
  }

  /** A create's body: JSON, or for a form create (an upload) the values as its parts, each file part a generated file. */
  private createBody(create: OperationSpec, value: unknown): RequestBody {
    const form = create.requestBody ? null : this.ctx.bodies.form(create);
    const media = create.requestMedia;
    if (!form?.ok || !media || !isObject(value)) return { kind: 'json', value };
    const encodings = encodingsOf(this.ctx.spec, create, media.contentType);
    return { kind: 'form', encoding: form.body.encoding, parts: partsOf(value, objectView(media.schema).properties, encodings, form.body.encoding) };
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
      body: extra.body ?? this.formBody(op),
    };
  }

  /** An operation whose documented body is a form gets a valid one unless given another: the JSON bodies the derivations build never are. */
  private formBody(op: OperationSpec): RequestBody | null {
    const form = this.ctx.bodies.form(op);
    if (form && !form.ok && op.requestMedia?.required) this.fail(form.problem);
    return form?.ok ? form.body : null;
  }

  /** Each step carries its operation's security requirement; the judge sends the credentials it names. */
  push(name: string, op: OperationSpec, request: RequestTemplate, expect: StepExpectation, capture: AcceptanceStep['capture'] = []): void {
    const distinct = this.distinct.step(op, request, expect);
    this.pushAsIs(name, op, distinct.request, distinct.expect, capture);
  }

  /** As push, with the body sent exactly as given: a duplicate sent on purpose keeps its repeated values. */
  pushAsIs(name: string, op: OperationSpec, request: RequestTemplate, expect: StepExpectation, capture: AcceptanceStep['capture'] = []): void {
    expect = this.withExampleCaveat(request, expect);
    this.steps.push({ name, operationId: op.operationId, request, expect, capture, ...(op.security.length > 0 ? { security: op.security } : {}) });
  }

  /** Marks the last step as setup: a call `op`'s own operation check judges, which this check only needs to work. */
  setupOf(op: OperationSpec): void {
    const last = this.steps.at(-1);
    if (last) last.rootCheck = operationCheckId(op);
  }

  /** A step sent with no credentials at all, whatever its operation requires. */
  pushWithoutCredentials(name: string, op: OperationSpec, request: RequestTemplate, expect: StepExpectation): void {
    this.steps.push({ name, operationId: op.operationId, request, expect, capture: [] });
  }

  build(id: string, operationId: string, kind: AcceptanceCheckKind, title: string): AcceptanceCheck {
    return { id, operationId, kind, title, steps: this.problem ? [] : this.steps, unverifiable: this.problem };
  }

  /**
   * An id for a collection no operation creates in, taken from what the app
   * already holds (existing-ids.ts): its list's first item, captured by a
   * setup step (an empty list leaves the check unverified), else the spec's
   * example of the parameter.
   */
  private existing(collection: string, name: string): ParamValue | null {
    const cached = this.current.get(collection);
    if (cached) return { var: cached };
    const source = existingIdSource(this.ctx.operations, collection, name);
    if (source?.type === 'example') this.exampleParams.add(name);
    if (!source || source.type === 'example') return source ? { value: source.value } : null;
    const params = this.paramsFor(source.list.path);
    if (!params) return null;
    const v = this.newVar(collection);
    this.push(`list ${nounOf(collection)}s to take one`, source.list, this.request(source.list, params), successExpectation(source.list, this.ctx.registry), [{ var: v, pointer: source.pointer, optional: true }]);
    this.setupOf(source.list);
    this.current.set(collection, v);
    return { var: v };
  }

  /** On an id from the spec's examples, a 404 says only that this app does not hold it: neither a failure nor (for a bad body) a refusal. */
  private withExampleCaveat(request: RequestTemplate, expect: StepExpectation): StepExpectation {
    const names = [...this.exampleParams].filter((n) => request.path.includes(`{${n}}`));
    if (names.length === 0 || expect.statuses.includes(404)) return expect;
    return { ...expect, inconclusive: { statuses: [404], reason: `the id came from the spec's example of {${names.join('}, {')}}, which this app need not hold` } };
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

  newVar(collection: string): string {
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
