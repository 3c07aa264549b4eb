import { buildFormBody, type FormChoice } from './form-bodies.js';
import type { LoadedSpec } from './load-spec.js';
import type { OperationSpec } from './operations.js';
import { sampleOf } from './sample.js';
import type { SchemaRegistry } from './schema-registry.js';

export type BodyChoice = { ok: true; value: unknown } | { ok: false; problem: string };

/**
 * One valid request body per operation: the spec's own example when its
 * schema accepts it, else a sample of the schema. A body the schema rejects
 * is never sent as a "valid" request: a check built on it would blame the
 * app for the spec's mistake.
 */
export class RequestBodies {
  private readonly chosen = new Map<OperationSpec, BodyChoice>();
  private readonly forms = new Map<OperationSpec, FormChoice | null>();

  constructor(
    private readonly spec: LoadedSpec,
    private readonly registry: SchemaRegistry,
  ) {}

  /** The key of the operation's request schema; null when it has no JSON body or no schema. */
  schemaKey(op: OperationSpec): string | null {
    const schema = op.requestBody?.schema;
    return schema ? this.registry.add(`${op.operationId} request`, schema, 'request') : null;
  }

  /** A form's values are judged by the form's schema, a file part standing as its file name (form-bodies.ts). */
  isValid(op: OperationSpec, value: unknown): boolean {
    const key = this.schemaKey(op) ?? this.formKey(op);
    return key === null || this.registry.isValid(key, value);
  }

  private formKey(op: OperationSpec): string | null {
    const form = this.form(op);
    const schema = op.requestMedia?.schema;
    return form && schema ? this.registry.add(`${op.operationId} form`, schema, 'request') : null;
  }

  /** The valid body: a JSON body's value, or a form's values (a file part as its file name). */
  valid(op: OperationSpec): BodyChoice {
    let choice = this.chosen.get(op);
    if (!choice) {
      choice = this.choose(op);
      this.chosen.set(op, choice);
    }
    return choice;
  }

  /**
   * The valid form body (multipart/form-data or urlencoded, see
   * form-bodies.ts) of an operation whose documented body is a form; null
   * for every other operation.
   */
  form(op: OperationSpec): FormChoice | null {
    if (!this.forms.has(op)) this.forms.set(op, buildFormBody(this.spec, this.registry, op));
    return this.forms.get(op) ?? null;
  }

  private choose(op: OperationSpec): BodyChoice {
    const body = op.requestBody;
    // A form create (an upload) creates a resource too: its values are what it sent, as a JSON body's are.
    const form = body ? null : this.form(op);
    if (form) return form.ok ? { ok: true, value: form.values } : form;
    if (!body) return { ok: false, problem: `${op.operationId} takes no JSON body` };
    const key = this.schemaKey(op);
    if (key === null) return { ok: true, value: body.example ?? {} };
    const candidates = [body.example, body.schema ? sampleOf(body.schema, this.spec.document) : undefined].filter((c) => c !== undefined);
    const found = candidates.find((c) => this.registry.isValid(key, c));
    if (found !== undefined) return { ok: true, value: found };
    const errors = candidates.length > 0 ? this.registry.errors(key, candidates.at(-1)).slice(0, 3).join('; ') : 'nothing to sample';
    return { ok: false, problem: `no valid request body for ${op.operationId}: the spec's example and a sample of its schema both fail that schema (${errors}); add a valid example to the spec` };
  }
}
