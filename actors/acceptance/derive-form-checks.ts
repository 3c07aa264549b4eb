import type { AcceptanceCheck } from '../../proto/index.js';
import { CheckBuilder, type DeriveContext } from './check-builder.js';
import { badRequestExpectation } from './expectations.js';
import { encodingsOf, partsOf } from './form-bodies.js';
import type { OperationSpec } from './operations.js';
import { objectView } from './schema-view.js';

/**
 * A form body (multipart or urlencoded) without one of its required parts,
 * a file above all: refused with the documented 4xx, never a 5xx. As with
 * JSON bodies, the form schema itself must reject the values first, so an
 * app is never blamed for taking what the spec allows.
 */
export function formChecks(ctx: DeriveContext, op: OperationSpec): AcceptanceCheck[] {
  const form = ctx.bodies.form(op);
  const media = op.requestMedia;
  if (!form?.ok || !media?.schema) return [];
  const view = objectView(media.schema);
  const key = ctx.registry.add(`${op.operationId} form`, media.schema, 'request');
  const encodings = encodingsOf(ctx.spec, op, media.contentType);
  return view.required.flatMap((field) => {
    if (!(field in form.values)) return [];
    const rest = { ...form.values };
    delete rest[field];
    if (ctx.registry.isValid(key, rest)) return [];
    const b = new CheckBuilder(ctx);
    const params = b.paramsFor(op.path);
    const body = { kind: 'form' as const, encoding: form.body.encoding, parts: partsOf(rest, view.properties, encodings, form.body.encoding) };
    if (params) b.push(`send the form without its required part ${field}`, op, b.request(op, params, { body }), badRequestExpectation(op, ctx.registry));
    return [b.build(`${op.operationId}.missing_required.${field}`, op.operationId, 'missing_required', `${op.method.toUpperCase()} ${op.path} refuses a form without the required part ${field}`)];
  });
}
