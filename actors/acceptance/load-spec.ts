import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import type { OpenAPIV3 } from 'openapi-types';
import YAML from 'yaml';
import { ProtocolError } from '../../proto/index.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The one way autodev reads an OpenAPI spec: job analysis (actors/analysis/),
 * planning and acceptance all load it here and list its operations with
 * operations.ts, so they never disagree on what the spec says.
 */
export interface LoadedSpec {
  title: string;
  version: string;
  /** 3.0 schemas speak OpenAPI's dialect (nullable, boolean exclusiveMinimum); 3.1 schemas are JSON Schema 2020-12. */
  dialect: '3.0' | '3.1';
  /** The path part of the first server URL, prefixed to every operation path ('' when none). */
  basePath: string;
  /** Every $ref resolved in place, except circular ones (left as $ref). */
  document: Json;
}

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

/** Reads a spec's text: YAML or JSON, then loadSpecDocument. */
export async function loadSpec(text: string): Promise<LoadedSpec> {
  return loadSpecDocument(parseSpecDocument(text));
}

/**
 * Validates an OpenAPI 3.x document with @readme/openapi-parser (an invalid
 * one is refused with the parser's own message, which shows where the problem
 * is) and dereferences it. External $refs are never followed: a spec must not
 * make the daemon read local files or reach the network.
 */
export async function loadSpecDocument(raw: unknown): Promise<LoadedSpec> {
  if (!isOpenApiDocument(raw)) {
    throw new ProtocolError('bad_request', 'the spec is not an OpenAPI document: it has no "openapi" field', { field: 'spec' });
  }
  const version = typeof raw.openapi === 'string' ? raw.openapi : '';
  if (!version.startsWith('3.')) {
    throw new ProtocolError('bad_request', `only OpenAPI 3.x specs are supported, got ${version || `swagger ${String(raw.swagger)}`}`, { field: 'spec' });
  }
  if (!hasDocumentShape(raw)) throw new ProtocolError('bad_request', 'the spec needs an "info" object and a "paths" object', { field: 'spec' });
  const options = { resolve: { external: false } } as const;
  const result = await validate(structuredClone(raw), { ...options, validate: { errors: { colorize: false } } });
  if (!result.valid) throw new ProtocolError('bad_request', `invalid OpenAPI spec: ${compileErrors(result)}`, { field: 'spec' });
  const document: Json = { ...(await dereference(structuredClone(raw), { ...options, dereference: { circular: 'ignore' } })) };
  const info = isObject(document.info) ? document.info : {};
  return {
    title: typeof info.title === 'string' ? info.title : 'API',
    version: typeof info.version === 'string' ? info.version : '0.0.0',
    dialect: version.startsWith('3.0') ? '3.0' : '3.1',
    basePath: basePathOf(document.servers),
    document,
  };
}

/** The outline the parser's types ask for; the parser's own validation checks the rest. */
function hasDocumentShape(value: Json): value is Json & OpenAPIV3.Document {
  return typeof value.openapi === 'string' && isObject(value.info) && isObject(value.paths);
}

/** `servers: [{ url: http://host/api/v1 }]` puts every path under /api/v1; server variables take their defaults. */
function basePathOf(servers: unknown): string {
  const first = Array.isArray(servers) ? servers.find(isObject) : undefined;
  if (!first || typeof first.url !== 'string') return '';
  const variables = isObject(first.variables) ? first.variables : {};
  const url = first.url.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const variable = variables[name];
    return isObject(variable) && typeof variable.default === 'string' ? variable.default : '';
  });
  let path: string;
  try {
    path = new URL(url, 'http://placeholder.invalid').pathname;
  } catch {
    return '';
  }
  return path.replace(/\/+$/, '');
}
