import { describe, expect, it } from 'vitest';
import type { AcceptanceSuite } from '../../proto/index.js';
import { backboneFromBlueprint } from '../../machines/decompose.js';
import { analyzeProject } from '../analysis/analyze-project.js';
import type { SuiteStore } from '../acceptance/suite-store.js';
import { silentLogger } from '../log/logger.js';
import { freezeAcceptanceSuite } from './freeze-suite.js';
import { chooseTestCredentials } from './test-credentials.js';

const SPEC = `openapi: 3.0.3
info: { title: Vault, version: '1' }
security: [{ api_key: [] }]
paths:
  /secrets:
    post:
      operationId: createSecret
      requestBody: { required: true, content: { application/json: { schema: { type: object, properties: { name: { type: string } } } } } }
      responses: { '201': { description: made } }
    get:
      operationId: listSecrets
      security: []
      responses: { '200': { description: all } }
  /admin:
    delete:
      operationId: wipe
      security: [{ admin: [] }]
      responses: { '204': { description: wiped } }
components:
  securitySchemes:
    api_key: { type: apiKey, in: header, name: X-API-Key }
    admin: { type: http, scheme: basic }
    legacy: { type: http, scheme: digest }
`;

function memoryStore(): SuiteStore & { saved: Map<string, AcceptanceSuite> } {
  const saved = new Map<string, AcceptanceSuite>();
  return {
    saved,
    load: async (jobId) => saved.get(jobId) ?? null,
    save: async (jobId, suite) => void saved.set(jobId, suite),
    saveReport: async () => '',
  };
}

describe('test credentials for a job whose spec has security schemes', () => {
  it('are random, one per sendable scheme, in the variables the workers are told of', async () => {
    const blueprint = await analyzeProject('A vault API', SPEC);
    const store = memoryStore();
    const deps = { suites: store, model: () => Promise.reject(new Error('a spec needs no model')), maxTokens: 100, maxAttempts: 1, log: silentLogger };
    const input = { jobId: 'job-1', prompt: 'A vault API', spec: SPEC, blueprint, repo: '/nonexistent' };
    const suite = await freezeAcceptanceSuite(deps, input, new AbortController().signal);
    const credentials = suite.testCredentials ?? {};
    expect(Object.keys(credentials).sort()).toEqual(['admin', 'api_key']);
    expect(credentials.api_key?.env).toEqual({ API_KEY: credentials.api_key?.value });
    expect(credentials.api_key?.value).toMatch(/^test-[A-Za-z0-9_-]{24}$/);
    const admin = credentials.admin;
    expect(Object.keys(admin?.env ?? {})).toEqual(['ADMIN_USERNAME', 'ADMIN_PASSWORD']);
    expect(admin?.value).toBe(`${admin?.env.ADMIN_USERNAME}:${admin?.env.ADMIN_PASSWORD}`);
    // Frozen: planning again keeps the same values.
    expect((await freezeAcceptanceSuite(deps, input, new AbortController().signal)).testCredentials).toEqual(credentials);
    expect(chooseTestCredentials(suite.securitySchemes ?? {}).api_key?.value).not.toBe(credentials.api_key?.value);

    // The workers' prompts name the same variables, and which operations need them.
    expect(blueprint.spec?.kind === 'openapi' ? blueprint.spec.security : null).toEqual([
      { scheme: 'api_key', description: 'apiKey in header X-API-Key', env: ['API_KEY'] },
      { scheme: 'admin', description: 'http basic user and password', env: ['ADMIN_USERNAME', 'ADMIN_PASSWORD'] },
      { scheme: 'legacy', description: expect.stringMatching(/^unsupported: http digest/), env: [] },
    ]);
    const tasks = backboneFromBlueprint(blueprint);
    const prompt = (key: string) => tasks.find((t) => t.key === key)?.prompt ?? '';
    expect(prompt('scaffold')).toContain('- api_key (apiKey in header X-API-Key): read from the environment variable API_KEY');
    expect(prompt('backend-secrets')).toContain('- createSecret: api_key');
    expect(prompt('backend-secrets')).not.toContain('- listSecrets: api_key');
    expect(prompt('backend-admin')).toContain('- wipe: admin');
    expect(prompt('backend-admin')).toContain('read from the environment variables ADMIN_USERNAME and ADMIN_PASSWORD');
    expect(prompt('devops')).toContain('(PORT, API_KEY, ADMIN_USERNAME, ADMIN_PASSWORD among them)');
    expect(JSON.stringify(tasks)).not.toContain(credentials.api_key?.value ?? '-');
  });

  it('are none for a spec without schemes', () => {
    expect(chooseTestCredentials({})).toEqual({});
  });
});
