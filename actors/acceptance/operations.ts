import type { HttpMethod } from '../../proto/index.js';
import { isObject, type Json, type LoadedSpec } from './load-spec.js';

const METHODS: readonly HttpMethod[] = ['get', 'post', 'put', 'patch', 'delete'];

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
  /** The JSON media type when one is documented, else the first; null for a response without a body. */
  media: MediaSpec | null;
}

export interface OperationSpec {
  operationId: string;
  method: HttpMethod;
  /** As written in the spec, without the server's base path. */
  path: string;
  parameters: ParameterSpec[];
  /** Only a JSON request body counts; an operation with another kind of body gets no body checks. */
  requestBody: (MediaSpec & { required: boolean }) | null;
  responses: ResponseSpec[];
  /** Names of the security schemes it needs, when it cannot be called anonymously. */
  security: string[];
}

export const isJsonMedia = (contentType: string) => /^application\/(.+\+)?json$/i.test(contentType.split(';')[0]?.trim() ?? '');

/** Lists the operations of a dereferenced spec, in the spec's own order, with what the checks need. */
export function listOperations(spec: LoadedSpec): OperationSpec[] {
  const doc = spec.document;
  const paths = isObject(doc.paths) ? doc.paths : {};
  const globalSecurity = securityOf(doc.security);
  const operations: OperationSpec[] = [];
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const shared = parametersOf(item.parameters);
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const own = parametersOf(op.parameters);
      // An operation's parameter overrides a path-level one of the same name and place.
      const parameters = [...shared.filter((p) => !own.some((o) => o.name === p.name && o.in === p.in)), ...own];
      const body = isObject(op.requestBody) ? op.requestBody : null;
      const bodyMedia = body ? pickMedia(body.content) : null;
      operations.push({
        operationId: typeof op.operationId === 'string' && op.operationId ? op.operationId : `${method} ${path}`,
        method,
        path,
        parameters,
        requestBody: body && bodyMedia && isJsonMedia(bodyMedia.contentType) ? { ...bodyMedia, required: body.required === true } : null,
        responses: Object.entries(isObject(op.responses) ? op.responses : {}).map(([status, response]) => ({
          status: status.toUpperCase(),
          media: isObject(response) ? pickMedia(response.content) : null,
        })),
        security: op.security === undefined ? globalSecurity : securityOf(op.security),
      });
    }
  }
  return operations;
}

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

/** An empty requirement object ({}) in the list means anonymous access is allowed. */
function securityOf(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) return [];
  const requirements = value.filter(isObject);
  if (requirements.some((r) => Object.keys(r).length === 0)) return [];
  return [...new Set(requirements.flatMap((r) => Object.keys(r)))];
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
