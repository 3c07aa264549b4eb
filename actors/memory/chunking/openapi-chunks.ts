import type { ApiOperation } from '../../../proto/index.js';
import type { Chunk, ChunkSizes } from './chunk.js';
import { packUnits, type Unit } from './pack.js';

/**
 * One chunk per operation, carrying its (already dereferenced) request and
 * response schemas and examples, so a retrieved chunk is enough to implement
 * or test that operation alone.
 */
export function chunkOpenApi(title: string, operations: readonly ApiOperation[], sizes: ChunkSizes): Chunk[] {
  return operations.flatMap((op, index) => {
    const unit: Unit = { text: describeOperation(title, op), name: `operation ${op.operationId}`, startLine: index + 1, endLine: index + 1 };
    return packUnits([unit], sizes).map((chunk) => ({ ...chunk, names: [...chunk.names, `${op.method.toUpperCase()} ${op.path}`] }));
  });
}

export function describeOperation(title: string, op: ApiOperation): string {
  const lines = [
    `${title}: operation ${op.operationId}`,
    `${op.method.toUpperCase()} ${op.path}`,
    `resource: ${op.resource}`,
  ];
  if (op.summary) lines.push(`summary: ${op.summary}`);
  if (op.requestSchema !== null) lines.push(`request body schema: ${JSON.stringify(op.requestSchema)}`);
  if (op.requestExample !== null) lines.push(`request example: ${JSON.stringify(op.requestExample)}`);
  for (const response of op.responses) {
    const schema = response.schema === null ? '' : ` schema: ${JSON.stringify(response.schema)}`;
    lines.push(`response ${response.status}: ${response.description}${schema}`);
  }
  return lines.join('\n');
}
