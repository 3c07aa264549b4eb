import type { AcceptanceCheck, AcceptanceSuite } from '../../proto/index.js';
import type { DeriveContext } from './check-builder.js';
import { negativeChecks } from './derive-negative-checks.js';
import { operationCheck, unknownIdCheck } from './derive-operation-checks.js';
import { sequenceChecks } from './derive-sequence-checks.js';
import { isObject, loadAcceptanceSpec, type LoadedSpec } from './load-spec.js';
import { listOperations } from './operations.js';
import { RequestBodies } from './request-bodies.js';
import { inferResources } from './resources.js';
import { SchemaRegistry } from './schema-registry.js';

/** Reads a spec's text and derives its suite; a spec that cannot be read is a bad_request naming the problem. */
export async function deriveSuiteFromText(specText: string): Promise<AcceptanceSuite> {
  return deriveSuite(await loadAcceptanceSpec(specText));
}

/**
 * The whole suite, deterministically: the same spec always gives the same
 * checks, in the same order, with the same ids. Sequences run first, so a
 * list is checked before the rest of the run has filled it.
 */
export function deriveSuite(spec: LoadedSpec): AcceptanceSuite {
  const operations = listOperations(spec);
  const registry = new SchemaRegistry(spec.dialect, componentNames(spec));
  const ctx: DeriveContext = { spec, operations, resources: inferResources(operations), registry, bodies: new RequestBodies(spec, registry) };
  const checks: AcceptanceCheck[] = [];
  for (const resource of ctx.resources.values()) checks.push(...sequenceChecks(ctx, resource));
  for (const op of operations) {
    checks.push(operationCheck(ctx, op));
    const unknown = unknownIdCheck(ctx, op);
    if (unknown) checks.push(unknown);
    checks.push(...negativeChecks(ctx, op));
  }
  return { type: 'acceptance.suite', title: spec.title, checks: uniqueIds(checks), schemas: registry.schemas, dialect: registry.jsonSchemaDialect };
}

function componentNames(spec: LoadedSpec): Map<unknown, string> {
  const components = isObject(spec.document.components) && isObject(spec.document.components.schemas) ? spec.document.components.schemas : {};
  return new Map(Object.entries(components).map(([name, schema]) => [schema, name]));
}

function uniqueIds(checks: AcceptanceCheck[]): AcceptanceCheck[] {
  const seen = new Map<string, number>();
  return checks.map((check) => {
    const n = (seen.get(check.id) ?? 0) + 1;
    seen.set(check.id, n);
    return n === 1 ? check : { ...check, id: `${check.id}.${n}` };
  });
}
