import type { AcceptanceCheck, AcceptanceSuite } from '../../proto/index.js';
import type { DeriveContext } from './check-builder.js';
import { afterWritesChecks } from './derive-after-writes-checks.js';
import { boundChecks } from './derive-bound-checks.js';
import { duplicateChecks } from './derive-conflict-checks.js';
import { formChecks } from './derive-form-checks.js';
import { negativeChecks } from './derive-negative-checks.js';
import { operationCheck, unknownIdCheck } from './derive-operation-checks.js';
import { noCredentialsCheck } from './derive-security-checks.js';
import { sequenceChecks } from './derive-sequence-checks.js';
import { isObject, loadSpec, type LoadedSpec } from './load-spec.js';
import { listOperations } from './operations.js';
import { RequestBodies } from './request-bodies.js';
import { inferResources } from './resources.js';
import { SchemaRegistry } from './schema-registry.js';
import { securitySchemesOf } from './security.js';
import { UniqueFields } from './unique-fields.js';

/** Reads a spec's text and derives its suite; a spec that cannot be read is a bad_request naming the problem. */
export async function deriveSuiteFromText(specText: string): Promise<AcceptanceSuite> {
  return deriveSuite(await loadSpec(specText));
}

/**
 * The whole suite, deterministically: the same spec always gives the same
 * checks, in the same order, with the same ids. Sequences run first, so a
 * list is checked before the rest of the run has filled it; then every
 * operation, its bad bodies and the conflicts it documents; last, after
 * every write, the pass that lists, filters and reads back what the app
 * stored (an invalid item it kept from a bad body shows there).
 */
export function deriveSuite(spec: LoadedSpec): AcceptanceSuite {
  const operations = listOperations(spec);
  const registry = new SchemaRegistry(spec.dialect, componentNames(spec));
  const resources = inferResources(operations);
  const bodies = new RequestBodies(spec, registry);
  const ctx: DeriveContext = { spec, operations, resources, registry, bodies, unique: new UniqueFields(resources, bodies) };
  const checks: AcceptanceCheck[] = [];
  for (const resource of ctx.resources.values()) checks.push(...sequenceChecks(ctx, resource));
  for (const op of operations) {
    checks.push(operationCheck(ctx, op));
    const unknown = unknownIdCheck(ctx, op);
    if (unknown) checks.push(unknown);
    checks.push(...negativeChecks(ctx, op));
    checks.push(...formChecks(ctx, op));
    const anonymous = noCredentialsCheck(ctx, op);
    if (anonymous) checks.push(anonymous);
  }
  for (const resource of resources.values()) checks.push(...duplicateChecks(ctx, resource), ...boundChecks(ctx, resource));
  checks.push(...afterWritesChecks(ctx));
  const securitySchemes = securitySchemesOf(spec);
  return {
    type: 'acceptance.suite',
    title: spec.title,
    checks: uniqueIds(checks),
    schemas: registry.schemas,
    dialect: registry.jsonSchemaDialect,
    ...(Object.keys(securitySchemes).length > 0 ? { securitySchemes } : {}),
  };
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
