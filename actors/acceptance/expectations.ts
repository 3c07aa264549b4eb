import type { BodyAssertion, ListShape, StepExpectation } from '../../proto/index.js';
import { documentedStatuses, isJsonMedia, type OperationSpec } from './operations.js';
import type { SchemaRegistry } from './schema-registry.js';

/** Documented 4xx codes that answer "this body is wrong" rather than auth, absence or rate limits. */
const NOT_ABOUT_THE_BODY = new Set([401, 403, 404, 405, 406, 409, 412, 415, 429]);

export type MediaByStatus = StepExpectation['media'];

/** What each documented status's body must look like, so whichever documented status comes back is checked against its own. */
export function mediaOf(op: OperationSpec, registry: SchemaRegistry): MediaByStatus {
  const media: MediaByStatus = {};
  for (const response of op.responses) {
    const body = response.media;
    const schema = body?.schema && isJsonMedia(body.contentType) ? registry.add(`${op.operationId} ${response.status}`, body.schema, 'response') : null;
    media[response.status] = { contentType: body?.contentType ?? null, schema };
  }
  return media;
}

/** The documented success: its codes (or any 2xx where only a range or `default` is documented). */
export function successExpectation(op: OperationSpec, registry: SchemaRegistry, extra: Partial<Pick<StepExpectation, 'list' | 'assertions'>> = {}): StepExpectation {
  const { codes } = documentedStatuses(op, '2');
  return { statuses: codes, statusClass: '2xx', media: mediaOf(op, registry), list: extra.list ?? null, assertions: extra.assertions ?? [] };
}

/**
 * A bad body: the documented 400/422-style codes. Where none is documented,
 * the spec promises no refusal: any 4xx, or a documented success whose body
 * validates (and, in the steps after, stored nothing invalid).
 */
export function badRequestExpectation(op: OperationSpec, registry: SchemaRegistry, alsoAllow: readonly number[] = []): StepExpectation {
  const documented = documentedStatuses(op, '4').codes.filter((c) => !NOT_ABOUT_THE_BODY.has(c));
  if (documented.length === 0) return undocumentedRefusal(op, registry);
  return { statuses: [...new Set([...documented, ...alsoAllow])], statusClass: '4xx', media: mediaOf(op, registry), list: null, assertions: [] };
}

/** Something that does not exist, and must be refused: 404 where documented, else any 4xx. */
export function notFoundExpectation(op: OperationSpec, registry: SchemaRegistry): StepExpectation {
  const statuses = documentedStatuses(op, '4').codes.includes(404) ? [404] : [];
  return { statuses, statusClass: '4xx', media: mediaOf(op, registry), list: null, assertions: [] };
}

/**
 * An id nobody created: the documented 404 (or 410). Where neither is
 * documented, any 4xx or a documented success: an idempotent DELETE that
 * documents only 204 answers 204 for an id it never had.
 */
export function unknownIdExpectation(op: OperationSpec, registry: SchemaRegistry): StepExpectation {
  const documented = documentedStatuses(op, '4').codes.filter((c) => c === 404 || c === 410);
  if (documented.length === 0) return undocumentedRefusal(op, registry);
  return { statuses: documented, statusClass: '4xx', media: mediaOf(op, registry), list: null, assertions: [] };
}

/** Any 4xx, or a documented success (its codes; any 2xx where a range or `default` documents it) whose body validates. */
function undocumentedRefusal(op: OperationSpec, registry: SchemaRegistry): StepExpectation {
  const { codes, anyOfClass } = documentedStatuses(op, '2');
  const successDocumented = codes.length > 0 || anyOfClass || op.responses.some((r) => r.status === 'DEFAULT');
  return { statuses: [], statusClass: '4xx', media: mediaOf(op, registry), list: null, assertions: [], ...(successDocumented ? { orSuccess: { statuses: codes } } : {}) };
}

export function listExpectation(op: OperationSpec, registry: SchemaRegistry, list: ListShape, assertions: BodyAssertion[]): StepExpectation {
  return successExpectation(op, registry, { list, assertions });
}
