import type { AcceptanceCheckKind, ApiOperation, Blueprint } from '../../proto/index.js';
import { resourceOf } from './openapi.js';
import { stackRulesOf, type StackRule } from './stack-rules.js';

/**
 * What one requirement is held to. Stack rules come from the words that
 * name a language, framework, library or database; the rest from what the
 * requirement asks of the app: operations of the spec, request validation and
 * JSON errors (the suite's negative checks), tests, files a user was promised.
 */
export type RequirementRule =
  | StackRule
  /** The acceptance checks of these operations all pass. */
  | { kind: 'operations'; operationIds: readonly string[] }
  /** The acceptance checks of these kinds (request validation, error answers) all pass. */
  | { kind: 'check_kinds'; label: string; kinds: readonly AcceptanceCheckKind[] }
  /** The project has tests of its own, and they pass. */
  | { kind: 'project_tests' }
  /** A file the requirement names exists (any of `paths`; a path ending in / is a folder with at least one file). */
  | { kind: 'file'; label: string; paths: readonly string[] }
  /** A file names each of these texts (a README documenting every endpoint). */
  | { kind: 'file_mentions'; path: string; texts: readonly string[] };

export interface RequirementPlan {
  /** r1, r2, …: the requirement's place in the blueprint. */
  id: string;
  text: string;
  rules: RequirementRule[];
}

const VALIDATION_KINDS: readonly AcceptanceCheckKind[] = ['missing_required', 'wrong_type', 'constraint', 'malformed_json'];
const ERROR_KINDS: readonly AcceptanceCheckKind[] = [...VALIDATION_KINDS, 'unknown_id'];

const word = (text: string, pattern: string) => new RegExp(`\\b(?:${pattern})\\b`, 'i').test(text);

/**
 * Each of the blueprint's requirements with the rules that check it, in the
 * blueprint's order. Deterministic: the same blueprint always gives the same
 * plan. A requirement with no rule is listed too: it is reported not
 * checkable, never silently dropped.
 */
export function planRequirements(blueprint: Blueprint): RequirementPlan[] {
  const operations = blueprint.spec?.kind === 'openapi' ? blueprint.spec.operations : [];
  return blueprint.requirements.map((text, index) => ({ id: `r${index + 1}`, text, rules: rulesOf(text, operations) }));
}

function rulesOf(text: string, operations: readonly ApiOperation[]): RequirementRule[] {
  // A requirement the analyser made from the spec names its operation: "POST /lists: Create a list".
  const op = operationNamed(text, operations);
  if (op) return [{ kind: 'operations', operationIds: [op.operationId] }];
  const rules: RequirementRule[] = [...stackRulesOf(text)];
  const touched = operationsOfResources(text, operations);
  if (touched.length > 0) rules.push({ kind: 'operations', operationIds: touched });
  if (word(text, 'validat\\w*') && operations.length > 0) rules.push({ kind: 'check_kinds', label: 'request validation', kinds: VALIDATION_KINDS });
  if (word(text, 'errors?') && operations.length > 0) rules.push({ kind: 'check_kinds', label: 'error answers', kinds: ERROR_KINDS });
  if (word(text, '(?:unit|integration|e2e|end-to-end|contract)\\s+tests?|tests')) rules.push({ kind: 'project_tests' });
  if (word(text, 'dockerfile')) rules.push({ kind: 'file', label: 'Dockerfile', paths: ['Dockerfile'] });
  if (word(text, 'docker[- ]compose')) rules.push({ kind: 'file', label: 'docker compose file', paths: ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'] });
  if (word(text, 'CI|github actions')) rules.push({ kind: 'file', label: 'CI workflow', paths: ['.github/workflows/'] });
  if (word(text, 'readme')) {
    rules.push({ kind: 'file', label: 'README', paths: ['README.md'] });
    const paths = [...new Set(operations.map((o) => o.path))];
    if (word(text, 'endpoints?|routes?|operations?|api') && paths.length > 0) rules.push({ kind: 'file_mentions', path: 'README.md', texts: paths });
  }
  return rules;
}

function operationNamed(text: string, operations: readonly ApiOperation[]): ApiOperation | undefined {
  const match = /^([A-Z]+) (\/\S*):/.exec(text);
  if (!match) return undefined;
  return operations.find((o) => o.method.toUpperCase() === match[1] && o.path === match[2]);
}

/**
 * The operations of each resource the sentence names ("lists", "items",
 * singular or plural): a sentence about what users do with lists is held to
 * the checks of the lists' operations.
 */
function operationsOfResources(text: string, operations: readonly ApiOperation[]): string[] {
  const named = (resource: string) => {
    const plural = resource.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
    if (plural.length < 3) return false;
    const singular = plural.replace(/s$/, '');
    return word(text, `${escape(plural)}|${escape(singular)}`);
  };
  return operations.filter((o) => named(resourceOf(o.path)) || named(o.resource)).map((o) => o.operationId);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
