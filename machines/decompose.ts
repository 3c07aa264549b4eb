import type { ApiOperation, Blueprint, ModelPlanTask } from '../proto/index.js';
import { credentialsBrief, securedOperationsBrief } from './security-prompt.js';

/** A task before it gets an id: the model's shape, plus an optional richer prompt. */
export type PlannedTask = ModelPlanTask & { prompt?: string };

const json = (value: unknown) => JSON.stringify(value);

const fileSafe = (resource: string) => resource.replace(/[^A-Za-z0-9_-]/g, '-');
/** Where a resource's contract tests live: the prompt names the file, the rule holds the task to it. */
export const contractTestGlob = (resource: string) => `test/${fileSafe(resource)}*.test.*`;
/** The one file the prompt asks for; contractTestGlob matches it. */
export const contractTestFile = (resource: string) => `test/${fileSafe(resource)}.test.js`;

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
  const credentials = credentialsBrief(blueprint.spec.security ?? []);
  const credentialVars = (blueprint.spec.security ?? []).flatMap((s) => s.env);

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
      prompt: [
        `Create the project skeleton for ${stackLine}. Files: ${blueprint.structure.filter((p) => !p.includes('/routes/') && !p.includes('test')).join(', ')}. The server mounts one router per resource: ${[...byResource.keys()].join(', ')}.`,
        'It is checked by: package.json at the repository root is valid JSON, lists every dependency the code imports, and has a "start" script;',
        'npm install, npm run build (when there is a build script) and npm start succeed, and the started server listens on the port in process.env.PORT (on process.env.HOST when set) and keeps running.',
        ...(credentials ? [credentials] : []),
      ].join(' '),
    },
  ];
  for (const [resource, ops] of byResource) {
    const secured = securedOperationsBrief(ops);
    tasks.push({
      key: `backend-${resource}`,
      type: 'backend',
      description: `Implement the ${resource} endpoints: ${ops.map((o) => o.operationId).join(', ')}`,
      dependsOn: ['scaffold'],
      priority: 8,
      estimatedMinutes: 15,
      validationRules: [{ kind: 'http', operationIds: ops.map((o) => o.operationId) }],
      prompt: [
        `Implement these operations exactly as specified, validating request bodies and returning JSON errors:\n${ops.map(describeOperation).join('\n')}`,
        ...(secured ? [`${secured}${credentials}`] : []),
        `\nIt is checked against the app started with npm start (PORT from the environment) by the acceptance checks of ${ops.map((o) => o.operationId).join(', ')}:`,
        'each answers its documented success status with the documented content type and a body matching the response schema;',
        'a body missing a required field, with a field of the wrong type, breaking a constraint, or that is not JSON gets a 4xx, never a 5xx;',
        'an unknown id gets 404, never a 5xx.',
        'The job is accepted only when, across all tasks, what is created reads back with the fields sent, appears in lists (and their filters), shows its updates, and is gone (404) after a delete.',
      ].join(' '),
    });
    tasks.push({
      key: `contract-${resource}`,
      type: 'testing',
      description: `Contract tests for ${resource}, from the spec's schemas and examples`,
      dependsOn: [`backend-${resource}`],
      priority: 6,
      estimatedMinutes: 10,
      validationRules: [{ kind: 'tests_pass', glob: contractTestGlob(resource) }],
      prompt: [
        `Write contract tests in ${contractTestFile(resource)}, one or more per operation, that start the app and call it over HTTP:\n${ops.map(contractCase).join('\n')}`,
        `\nIt is checked by: files matching ${contractTestGlob(resource)} exist and pass in the sandbox with the network off.`,
        `A plain .js test file runs under node --test unless package.json's "test" script names another runner (${stack.testing}), which then runs; each test starts the app itself on a free port.`,
      ].join(' '),
    });
  }
  const backends = [...byResource.keys()].map((r) => `backend-${r}`);
  // Bounded as FileMentionsRule bounds its texts; a spec without paths leaves the README only to exist.
  const documentedPaths = [...new Set(blueprint.spec.operations.map((o) => o.path))].filter((p) => p.length <= 200).slice(0, 64);
  if (stack.frontend) {
    tasks.push({
      key: 'frontend',
      type: 'frontend',
      description: `Build the ${stack.frontend} front end over the API`,
      dependsOn: backends,
      priority: 5,
      estimatedMinutes: 30,
      validationRules: [{ kind: 'command_succeeds', command: 'npm run build --if-present', stdoutMatches: null }],
      prompt: `Build the ${stack.frontend} front end over the API. It is checked by: \`npm run build --if-present\` exits 0 in the sandbox with the network off, so every dependency the build needs is in package.json.`,
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
      prompt: `Write Dockerfile at the repository root (it is checked to exist there), docker-compose.yml, a CI workflow in .github/workflows/ci.yml, and .env.example naming every environment variable the app reads (${['PORT', ...credentialVars].join(', ')} among them).`,
    },
    {
      key: 'docs',
      type: 'docs',
      description: `README and API reference for ${blueprint.spec.title} ${blueprint.spec.version}`,
      dependsOn: backends,
      priority: 3,
      estimatedMinutes: 10,
      validationRules: documentedPaths.length > 0 ? [{ kind: 'file_mentions', path: 'README.md', texts: documentedPaths }] : [{ kind: 'file_exists', path: 'README.md' }],
      prompt: [
        `Write README.md at the repository root: how to install, configure (${['PORT', ...credentialVars].join(', ')}) and start the app, then every endpoint with an example request and response:\n${blueprint.spec.operations.map((o) => `- ${o.method.toUpperCase()} ${o.path}: ${o.summary}`).join('\n')}`,
        documentedPaths.length > 0 ? `\nIt is checked by: README.md names each of these paths exactly as written here: ${documentedPaths.join(', ')}.` : '',
      ].join(' '),
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
