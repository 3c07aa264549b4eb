import { describe, expect, it } from 'vitest';
import { analyzeOpenApi } from '../analysis/openapi.js';
import { deriveSuite } from './derive-checks.js';
import { loadSpec, parseSpecDocument } from './load-spec.js';
import { listOperations, listSpecOperations } from './operations.js';
import { credentialEnvNames, requirementOf, securitySchemesOf } from './security.js';

const ok = { '200': { description: 'ok' } };
const SPEC = JSON.stringify({
  openapi: '3.1.0',
  info: { title: 'Secured', version: '2' },
  security: [{ key: [] }],
  paths: {
    '/notes': {
      get: { operationId: 'listNotes', security: [], responses: ok },
      post: {
        operationId: 'createNote',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['text'], properties: { text: { type: 'string' } } } } } },
        responses: { '201': { description: 'made', content: { 'application/json': { schema: { type: 'object', properties: { id: { type: 'integer' }, text: { type: 'string' } } } } } }, '401': { description: 'no key' } },
      },
      head: { operationId: '  ', responses: ok },
    },
    '/notes/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }],
      get: { security: [{}, { key: [] }], responses: ok },
      delete: { operationId: 'deleteNote', security: [{ bearer: [] }, { key: [], basic: [] }], responses: { '204': { description: 'gone' } } },
    },
  },
  components: {
    securitySchemes: {
      key: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      queryKey: { type: 'apiKey', in: 'query', name: 'api_key' },
      cookieKey: { type: 'apiKey', in: 'cookie', name: 'session' },
      bearer: { type: 'http', scheme: 'Bearer' },
      basic: { type: 'http', scheme: 'basic' },
      digest: { type: 'http', scheme: 'digest' },
      oauth: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: 'https://x.invalid/token', scopes: {} } } },
      oidc: { type: 'openIdConnect', openIdConnectUrl: 'https://x.invalid/.well-known/openid-configuration' },
      tls: { type: 'mutualTLS' },
    },
  },
});

describe('one spec loader and one operation list', () => {
  it('falls back to "<method> <path>" for a missing or blank operationId, the same for analysis and acceptance', async () => {
    const spec = await loadSpec(SPEC);
    const all = listSpecOperations(spec);
    expect(all.map((o) => o.operationId)).toEqual(['listNotes', 'createNote', 'head /notes', 'get /notes/{id}', 'deleteNote']);
    const summary = await analyzeOpenApi(parseSpecDocument(SPEC));
    expect(summary.operations.map((o) => o.operationId)).toEqual(all.map((o) => o.operationId));
    // Acceptance checks the methods that act on resources; the ids it uses are the same list's.
    expect(listOperations(spec).map((o) => o.operationId)).toEqual(['listNotes', 'createNote', 'get /notes/{id}', 'deleteNote']);
    expect(summary).toMatchObject({ title: 'Secured', version: '2' });
  });

  it('refuses what is not OpenAPI 3 with the same message for every reader', async () => {
    const swagger = 'swagger: "2.0"\ninfo: {title: a, version: "1"}\npaths: {}\n';
    await expect(loadSpec(swagger)).rejects.toThrow('only OpenAPI 3.x specs are supported, got swagger 2.0');
    await expect(analyzeOpenApi(parseSpecDocument(swagger))).rejects.toThrow('only OpenAPI 3.x specs are supported, got swagger 2.0');
  });
});

describe('security schemes and requirements', () => {
  it('reads every scheme type as the judge can send it, naming what it cannot', async () => {
    const schemes = securitySchemesOf(await loadSpec(SPEC));
    expect(schemes).toMatchObject({
      key: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      queryKey: { type: 'apiKey', in: 'query', name: 'api_key' },
      cookieKey: { type: 'apiKey', in: 'cookie', name: 'session' },
      bearer: { type: 'bearer', from: 'http' },
      basic: { type: 'basic' },
      oauth: { type: 'bearer', from: 'oauth2' },
      oidc: { type: 'bearer', from: 'openIdConnect' },
    });
    expect(schemes.digest).toMatchObject({ type: 'unsupported', why: expect.stringMatching(/digest/) });
    expect(schemes.tls).toMatchObject({ type: 'unsupported', why: expect.stringMatching(/client certificate/) });
  });

  it('takes the global requirement, an operation override, [] as public, {} as anonymous allowed, and keeps alternatives', async () => {
    const ops = listSpecOperations(await loadSpec(SPEC));
    const security = Object.fromEntries(ops.map((o) => [o.operationId, o.security]));
    expect(security).toEqual({
      listNotes: [],
      createNote: [['key']],
      'head /notes': [['key']],
      'get /notes/{id}': [],
      deleteNote: [['bearer'], ['key', 'basic']],
    });
    expect(requirementOf(undefined, undefined)).toEqual([]);
    expect(requirementOf('nonsense', [{ key: [] }])).toEqual([]);
  });

  it('names the environment variables after the schemes, avoiding reserved names and collisions', () => {
    expect(
      credentialEnvNames({
        api_key: { type: 'apiKey', in: 'header', name: 'X-Key' },
        bearerAuth: { type: 'bearer', from: 'http' },
        'api-key': { type: 'apiKey', in: 'query', name: 'k' },
        port: { type: 'bearer', from: 'oauth2' },
        basic: { type: 'basic' },
        node: { type: 'basic' },
        tls: { type: 'unsupported', why: 'x' },
      }),
    ).toEqual({ api_key: ['API_KEY'], bearerAuth: ['BEARER_AUTH'], 'api-key': ['API_KEY_2'], port: ['APP_PORT'], basic: ['BASIC_USERNAME', 'BASIC_PASSWORD'], node: ['APP_NODE_USERNAME', 'APP_NODE_PASSWORD'] });
  });

  it('puts each step\'s requirement on the step, and calls every secured operation once without credentials', async () => {
    const suite = deriveSuite(await loadSpec(SPEC));
    expect(suite.securitySchemes?.key).toEqual({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    const read = suite.checks.find((c) => c.id === 'get /notes/{id}.operation');
    // The read is public, the create it needs first is not: each step says what it needs.
    expect(read?.unverifiable).toBeNull();
    expect(read?.steps.map((s) => [s.operationId, s.security ?? []])).toEqual([
      ['createNote', [['key']]],
      ['get /notes/{id}', []],
    ]);
    const anonymous = suite.checks.filter((c) => c.kind === 'no_credentials');
    expect(anonymous.map((c) => c.id)).toEqual(['createNote.no_credentials', 'deleteNote.no_credentials']);
    const create = anonymous[0]?.steps;
    expect(create?.map((s) => s.security)).toEqual([undefined]);
    expect(create?.[0]?.expect.statuses).toEqual([401]);
    expect(create?.[0]?.request.body).toEqual({ kind: 'json', value: { text: 'string' } });
    const remove = anonymous[1]?.steps;
    // The note to delete is made with credentials; only the delete goes without, expecting 401 or 403 as none is documented.
    expect(remove?.map((s) => [s.operationId, s.security])).toEqual([
      ['createNote', [['key']]],
      ['deleteNote', undefined],
    ]);
    expect(remove?.[1]?.expect.statuses).toEqual([401, 403]);
    expect(suite.checks.some((c) => c.operationId === 'listNotes' && c.kind === 'no_credentials')).toBe(false);
  });
});
