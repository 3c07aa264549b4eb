import type { HttpMethod, SecurityRequirement } from '../../proto/index.js';
import { isObject, type Json, type LoadedSpec } from './load-spec.js';
import { requirementOf } from './security.js';

/** Every method OpenAPI allows on a path item, in its order. */
const SPEC_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type SpecMethod = (typeof SPEC_METHODS)[number];
/** The methods acceptance checks: HEAD, OPTIONS and TRACE say nothing about the resources the checks follow. */
const CHECKED_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const satisfies readonly (HttpMethod & SpecMethod)[];
type CheckedMethod = (typeof CHECKED_METHODS)[number];

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
  example: unknown;
}

export interface MediaSpec {
  /** The media type as written, e.g. application/json. */
  contentType: string;
  schema: Json | null;
  example: unknown;
}

export interface ResponseSpec {
  /** 200, 404, or a range such as 2XX, or default. */
  status: string;
  description: string;
  /** The JSON media type when one is documented, else the first; null for a response without a body. */
  media: MediaSpec | null;
}

/** One operation of the spec, whatever its method: what analysis, planning and acceptance read. */
export interface SpecOperation {
  /** The spec's operationId; `<method> <path>` (e.g. `get /books/{id}`) when it has none or a blank one. */
  operationId: string;
  method: SpecMethod;
  /** As written in the spec, without the server's base path. */
  path: string;
  /** The summary, else the description, else ''. */
  summary: string;
  tags: string[];
  parameters: ParameterSpec[];
  /** The documented request body in whatever media type (JSON first), for people and prompts. */
  requestMedia: (MediaSpec & { required: boolean }) | null;
  /** Only a JSON request body counts; an operation with another kind of body gets no body checks. */
  requestBody: (MediaSpec & { required: boolean }) | null;
  responses: ResponseSpec[];
  /** The credentials it needs: alternatives of schemes sent together; empty when it can be called anonymously. */
  security: SecurityRequirement;
}

/** An operation acceptance checks: one of the methods the checks send. */
export interface OperationSpec extends SpecOperation {
  method: CheckedMethod;
}

export const isJsonMedia = (contentType: string) => /^application\/(.+\+)?json$/i.test(contentType.split(';')[0]?.trim() ?? '');

/** The operationId, decided once for every reader of the spec: a missing or blank one is `<method> <path>`. */
export function operationIdOf(op: Json, method: SpecMethod, path: string): string {
  return typeof op.operationId === 'string' && op.operationId.trim() ? op.operationId : `${method} ${path}`;
}

/** Every operation of a dereferenced spec, in the spec's own order. */
export function listSpecOperations(spec: LoadedSpec): SpecOperation[] {
  const doc = spec.document;
  const paths = isObject(doc.paths) ? doc.paths : {};
  const operations: SpecOperation[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const shared = parametersOf(item.parameters);
    for (const method of SPEC_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const own = parametersOf(op.parameters);
      // An operation's parameter overrides a path-level one of the same name and place.
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const body = isObject(op.requestBody) ? op.requestBody : null;
      const bodyMedia = body ? pickMedia(body.content) : null;
      const requestMedia = body && bodyMedia ? { ...bodyMedia, required: body.required === true } : null;
      operations.push({
        operationId: operationIdOf(op, method, path),
        method,
        path,
        summary: typeof op.summary === 'string' ? op.summary : typeof op.description === 'string' ? op.description : '',
        tags: Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [],
        parameters,
        requestMedia,
        requestBody: requestMedia && isJsonMedia(requestMedia.contentType) ? requestMedia : null,
        responses: Object.entries(isObject(op.responses) ? op.responses : {}).map(([status, response]) => ({
          status: status.toUpperCase(),
          description: isObject(response) && typeof response.description === 'string' ? response.description : '',
          media: isObject(response) ? pickMedia(response.content) : null,
        })),
        security: requirementOf(op.security, doc.security),
      });
    }
  }
  return operations;
}

/** The operations acceptance checks, with what the checks need. */
export function listOperations(spec: LoadedSpec): OperationSpec[] {
  return listSpecOperations(spec).filter(isChecked);
}

const isChecked = (op: SpecOperation): op is OperationSpec => CHECKED_METHODS.some((m) => m === op.method);

function parametersOf(list: unknown): ParameterSpec[] {
  if (!Array.isArray(list)) return [];
  return list.filter(isObject).flatMap((p): ParameterSpec[] => {
    const where = p.in;
    if (typeof p.name !== 'string' || (where !== 'path' && where !== 'query' && where !== 'header')) return [];
    const schema = isObject(p.schema) ? p.schema : {};
    const examples = isObject(p.examples) ? Object.values(p.examples).filter(isObject) : [];
    const example = p.example ?? schema.example ?? examples.find((e) => 'value' in e)?.value;
    return [{ name: p.name, in: where, required: where === 'path' || p.required === true, schema, example }];
  });
}

/** JSON first: it is the one the checks can validate. */
function pickMedia(content: unknown): MediaSpec | null {
  if (!isObject(content)) return null;
  const entries = Object.entries(content).filter((entry): entry is [string, Json] => isObject(entry[1]));
  const chosen = entries.find(([type]) => isJsonMedia(type)) ?? entries[0];
  if (!chosen) return null;
  const [contentType, media] = chosen;
  const examples = isObject(media.examples) ? Object.values(media.examples).filter(isObject) : [];
  const schema = isObject(media.schema) ? media.schema : null;
  const example = media.example ?? examples.find((e) => 'value' in e)?.value ?? schema?.example;
  return { contentType, schema, example };
}

/** The documented statuses of a class: exact codes, plus whether a range (2XX) or `default` allows any. */
export function documentedStatuses(op: OperationSpec, klass: '2' | '4'): { codes: number[]; anyOfClass: boolean } {
  const codes = op.responses
    .map((r) => r.status)
    .filter((s) => /^\d{3}$/.test(s) && s.startsWith(klass))
    .map(Number);
  const anyOfClass = op.responses.some((r) => r.status === `${klass}XX`);
  return { codes, anyOfClass };
}

export function responseFor(op: OperationSpec, status: number): ResponseSpec | undefined {
  const exact = op.responses.find((r) => r.status === String(status));
  return exact ?? op.responses.find((r) => r.status === `${String(status)[0]}XX`) ?? op.responses.find((r) => r.status === 'DEFAULT');
}
