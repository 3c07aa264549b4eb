import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import type { OpenAPIV3 } from 'openapi-types';
import YAML from 'yaml';
import { ProtocolError, type ApiOperation, type SpecSummary } from '../../proto/index.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** YAML is a superset of JSON, so one parser reads both; its errors carry line and column. */
export function parseSpecDocument(text: string): unknown {
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const at = error.linePos?.[0];
    throw new ProtocolError('bad_request', `spec is not valid YAML or JSON: ${error.message}`, {
      field: 'spec',
      ...(at ? { line: at.line, column: at.col } : {}),
    });
  }
  return doc.toJS();
}

export function isOpenApiDocument(value: unknown): value is Json {
  return isObject(value) && (typeof value.openapi === 'string' || typeof value.swagger === 'string');
}

/**
 * External $refs are never followed: a spec must not make the daemon read
 * local files or reach the network.
 *
 * Validates an OpenAPI 3.x document with @readme/openapi-parser and lists its
 * operations with dereferenced schemas. An invalid document is rejected with
 * the parser's own message, which shows where the problem is.
 */
export async function analyzeOpenApi(document: Json): Promise<Extract<SpecSummary, { kind: 'openapi' }>> {
  if (typeof document.openapi !== 'string' || !document.openapi.startsWith('3.')) {
    throw new ProtocolError('bad_request', `only OpenAPI 3.x specs are supported, got ${String(document.openapi ?? `swagger ${String(document.swagger)}`)}`, { field: 'spec' });
  }
  const result = await validate(structuredClone(document) as unknown as OpenAPIV3.Document, { resolve: { external: false }, validate: { errors: { colorize: false } } });
  if (!result.valid) {
    throw new ProtocolError('bad_request', `invalid OpenAPI spec: ${compileErrors(result)}`, { field: 'spec' });
  }
  const resolved = (await dereference(structuredClone(document) as unknown as OpenAPIV3.Document, { resolve: { external: false }, dereference: { circular: 'ignore' } })) as unknown as Json;
  const info = isObject(resolved.info) ? resolved.info : {};
  return {
    kind: 'openapi',
    title: typeof info.title === 'string' ? info.title : 'API',
    version: typeof info.version === 'string' ? info.version : '0.0.0',
    operations: listOperations(resolved),
  };
}

function listOperations(doc: Json): ApiOperation[] {
  const operations: ApiOperation[] = [];
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    for (const method of METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const tags = Array.isArray(op.tags) ? op.tags.filter((t): t is string => typeof t === 'string') : [];
      const body = jsonContent(isObject(op.requestBody) ? op.requestBody.content : undefined);
      operations.push({
        operationId: typeof op.operationId === 'string' ? op.operationId : `${method} ${path}`,
        method,
        path,
        summary: typeof op.summary === 'string' ? op.summary : typeof op.description === 'string' ? op.description : '',
        resource: tags[0] ?? resourceOf(path),
        requestSchema: body?.schema ?? null,
        requestExample: body?.example ?? null,
        responses: Object.entries(isObject(op.responses) ? op.responses : {}).map(([status, response]) => ({
          status,
          description: isObject(response) && typeof response.description === 'string' ? response.description : '',
          schema: jsonContent(isObject(response) ? response.content : undefined)?.schema ?? null,
        })),
      });
    }
  }
  return operations;
}

/** The last literal segment names the resource: /lists/{id}/items is about items. */
export function resourceOf(path: string): string {
  const literal = path.split('/').filter((s) => s && !s.startsWith('{'));
  return literal.at(-1) ?? 'root';
}

function jsonContent(content: unknown): { schema: unknown; example: unknown } | null {
  if (!isObject(content)) return null;
  const media = content['application/json'] ?? Object.values(content)[0];
  if (!isObject(media)) return null;
  const examples = isObject(media.examples) ? Object.values(media.examples) : [];
  const firstExample = examples.find(isObject);
  return {
    schema: media.schema ?? null,
    example: media.example ?? (firstExample && 'value' in firstExample ? firstExample.value : null),
  };
}
