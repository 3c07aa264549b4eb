import type { ApiOperation, SpecSummary } from '../../proto/index.js';
import { loadSpecDocument } from '../acceptance/load-spec.js';
import { listSpecOperations, type SpecOperation } from '../acceptance/operations.js';
import { credentialEnvNames, describeScheme, securitySchemesOf } from '../acceptance/security.js';

/**
 * The blueprint's view of an OpenAPI 3.x document: loaded, validated and
 * dereferenced by the one spec loader (actors/acceptance/load-spec.ts), its
 * operations from the one operation list, so the plan and the acceptance
 * suite always agree on the operations and their ids.
 */
export async function analyzeOpenApi(document: unknown): Promise<Extract<SpecSummary, { kind: 'openapi' }>> {
  const spec = await loadSpecDocument(document);
  const schemes = securitySchemesOf(spec);
  const env = credentialEnvNames(schemes);
  const security = Object.entries(schemes).map(([scheme, definition]) => ({ scheme, description: describeScheme(definition), env: env[scheme] ?? [] }));
  return {
    kind: 'openapi',
    title: spec.title,
    version: spec.version,
    operations: listSpecOperations(spec).map(toApiOperation),
    ...(security.length > 0 ? { security } : {}),
  };
}

function toApiOperation(op: SpecOperation): ApiOperation {
  return {
    operationId: op.operationId,
    method: op.method,
    path: op.path,
    summary: op.summary,
    resource: op.tags[0] ?? resourceOf(op.path),
    requestSchema: op.requestMedia?.schema ?? null,
    requestExample: op.requestMedia?.example ?? null,
    responses: op.responses.map((r) => ({ status: r.status, description: r.description, schema: r.media?.schema ?? null })),
    ...(op.security.length > 0 ? { security: op.security } : {}),
  };
}

/** The last literal segment names the resource: /lists/{id}/items is about items. */
export function resourceOf(path: string): string {
  const literal = path.split('/').filter((s) => s && !s.startsWith('{'));
  return literal.at(-1) ?? 'root';
}
