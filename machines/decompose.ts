import type { ApiOperation, Blueprint, ModelPlanTask } from '../proto/index.js';

/** A task before it gets an id: the model's shape, plus an optional richer prompt. */
export type PlannedTask = ModelPlanTask & { prompt?: string };

const json = (value: unknown) => JSON.stringify(value);

/** Where a resource's contract tests live: the prompt names the file, the rule holds the task to it. */
export const contractTestGlob = (resource: string) => `test/${resource.replace(/[^A-Za-z0-9_-]/g, '-')}*.test.*`;

function describeOperation(op: ApiOperation): string {
  const request = op.requestSchema ? `\n  request body schema: ${json(op.requestSchema)}` : '';
  const responses = op.responses.map((r) => `\n  ${r.status} ${r.description}${r.schema ? `: ${json(r.schema)}` : ''}`).join('');
  return `- ${op.operationId}: ${op.method.toUpperCase()} ${op.path}${op.summary ? ` (${op.summary})` : ''}${request}${responses}`;
}

function contractCase(op: ApiOperation): string {
  const success = op.responses.find((r) => r.status.startsWith('2'));
  const example = op.requestExample === null ? '' : ` with body ${json(op.requestExample)}`;
  const expected = success ? `expect ${success.status}${success.schema ? ` and a body matching ${json(success.schema)}` : ''}` : 'expect a documented status';
  const errors = op.responses.filter((r) => /^[45]/.test(r.status)).map((r) => r.status);
  const errorCase = errors.length > 0 ? `; also provoke ${errors.join(', ')}` : '';
  return `- ${op.operationId}: ${op.method.toUpperCase()} ${op.path}${example}; ${expected}${errorCase}`;
}

/**
 * The deterministic backbone of the DAG, straight from the blueprint: a
 * scaffold, a backend task and a contract-test task per API resource, then
 * frontend, devops and docs. Without an OpenAPI spec there is no backbone and
 * the model plans alone.
 */
export function backboneFromBlueprint(blueprint: Blueprint): PlannedTask[] {
  if (blueprint.spec?.kind !== 'openapi') return [];
  const { techStack: stack } = blueprint;
  const byResource = new Map<string, ApiOperation[]>();
  for (const op of blueprint.spec.operations) byResource.set(op.resource, [...(byResource.get(op.resource) ?? []), op]);
  const stackLine = `${stack.language} on ${stack.runtime} with ${stack.framework}${stack.database ? ` and ${stack.database}` : ''}, tests in ${stack.testing}`;

  const tasks: PlannedTask[] = [
    {
      key: 'scaffold',
      type: 'devops',
      description: `Scaffold the ${blueprint.spec.title} project (${stackLine})`,
      dependsOn: [],
      priority: 10,
      estimatedMinutes: 5,
      validationRules: [
        { kind: 'file_exists', path: 'package.json' },
        { kind: 'json_valid', path: 'package.json' },
        { kind: 'server_starts' },
      ],
      prompt: `Create the project skeleton for ${stackLine}. Files: ${blueprint.structure.filter((p) => !p.includes('/routes/') && !p.includes('test')).join(', ')}. The server mounts one router per resource: ${[...byResource.keys()].join(', ')}.`,
    },
  ];
  for (const [resource, ops] of byResource) {
    tasks.push({
      key: `backend-${resource}`,
      type: 'backend',
      description: `Implement the ${resource} endpoints: ${ops.map((o) => o.operationId).join(', ')}`,
      dependsOn: ['scaffold'],
      priority: 8,
      estimatedMinutes: 15,
      validationRules: [{ kind: 'http', operationIds: ops.map((o) => o.operationId) }],
      prompt: `Implement these operations exactly as specified, validating request bodies and returning JSON errors:\n${ops.map(describeOperation).join('\n')}`,
    });
    tasks.push({
      key: `contract-${resource}`,
      type: 'testing',
      description: `Contract tests for ${resource}, from the spec's schemas and examples`,
      dependsOn: [`backend-${resource}`],
      priority: 6,
      estimatedMinutes: 10,
      validationRules: [{ kind: 'tests_pass', glob: contractTestGlob(resource) }],
      prompt: `Write ${stack.testing} contract tests in test/${resource}.test.js (or .ts), one or more per operation, that start the app and call it over HTTP:\n${ops.map(contractCase).join('\n')}`,
    });
  }
  const backends = [...byResource.keys()].map((r) => `backend-${r}`);
  if (stack.frontend) {
    tasks.push({
      key: 'frontend',
      type: 'frontend',
      description: `Build the ${stack.frontend} front end over the API`,
      dependsOn: backends,
      priority: 5,
      estimatedMinutes: 30,
      validationRules: [{ kind: 'command_succeeds', command: 'npm run build --if-present', stdoutMatches: null }],
    });
  }
  tasks.push(
    {
      key: 'devops',
      type: 'devops',
      description: 'Dockerfile, docker-compose.yml, CI workflow and .env.example',
      dependsOn: ['scaffold'],
      priority: 4,
      estimatedMinutes: 10,
      validationRules: [{ kind: 'file_exists', path: 'Dockerfile' }],
    },
    {
      key: 'docs',
      type: 'docs',
      description: `README and API reference for ${blueprint.spec.title} ${blueprint.spec.version}`,
      dependsOn: backends,
      priority: 3,
      estimatedMinutes: 10,
      validationRules: [{ kind: 'file_mentions', path: 'README.md', texts: [...new Set(blueprint.spec.operations.map((o) => o.path))].slice(0, 64) }],
      prompt: `Document every endpoint with an example request and response:\n${blueprint.spec.operations.map((o) => `- ${o.method.toUpperCase()} ${o.path}: ${o.summary}`).join('\n')}`,
    },
  );
  return tasks;
}

/**
 * The model refines the backbone by adding tasks; it may depend on backbone
 * keys, but a task that reuses a backbone key is dropped, never allowed to
 * replace the deterministic one.
 */
export function mergeRefinements(backbone: readonly PlannedTask[], extra: readonly PlannedTask[]): { tasks: PlannedTask[]; repairs: string[] } {
  const keys = new Set(backbone.map((t) => t.key));
  const repairs: string[] = [];
  const kept = extra.filter((t) => {
    if (!keys.has(t.key.trim())) return true;
    repairs.push(`dropped the model's task "${t.key}": it reuses a backbone key`);
    return false;
  });
  return { tasks: [...backbone, ...kept], repairs };
}
