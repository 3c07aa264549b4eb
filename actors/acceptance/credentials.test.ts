import { describe, expect, it } from 'vitest';
import { AcceptanceReport, ProtocolError, type AcceptanceSuite, type AcceptCredentials, type SecurityScheme } from '../../proto/index.js';
import { chooseCredentials, withCredentials } from './credential-placement.js';
import { requireCredentials, testCredentialPlan } from './credential-plan.js';
import { redactReport } from './credential-values.js';
import { resolveGivenCredentials } from './given-credentials.js';

const SCHEMES: Record<string, SecurityScheme> = {
  key: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
  queryKey: { type: 'apiKey', in: 'query', name: 'api_key' },
  session: { type: 'apiKey', in: 'cookie', name: 'sid' },
  bearer: { type: 'bearer', from: 'http' },
  basic: { type: 'basic' },
  digest: { type: 'unsupported', why: 'http digest needs a challenge' },
};
const given = (headers: Array<[string, string]>, schemes: AcceptCredentials['schemes'] = {}): AcceptCredentials => ({ headers: headers.map(([name, value]) => ({ name, value })), schemes });

function refusal(run: () => unknown): ProtocolError {
  try {
    run();
  } catch (error) {
    if (error instanceof ProtocolError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('credentials given to autodev accept, matched to the schemes', () => {
  it('matches an apiKey header by name in any case, bearer and basic by the Authorization prefix, cookies by name', () => {
    const { auth, secrets } = resolveGivenCredentials(SCHEMES, given([['x-api-key', 'k-123'], ['Authorization', 'Bearer t-456'], ['Cookie', 'sid=s-789']], { queryKey: 'q-000', basic: { username: 'ann', password: 'pw-111' } }));
    expect(auth.schemes).toEqual({
      key: { in: 'header', name: 'x-api-key', value: 'k-123', shown: '<apiKey credential key>' },
      bearer: { in: 'header', name: 'authorization', value: 'Bearer t-456', shown: 'Bearer <bearer credential bearer>' },
      session: { in: 'cookie', name: 'sid', value: 's-789', shown: '<apiKey credential session>' },
      queryKey: { in: 'query', name: 'api_key', value: 'q-000', shown: '<apiKey credential queryKey>' },
      basic: { in: 'header', name: 'authorization', value: `Basic ${Buffer.from('ann:pw-111').toString('base64')}`, shown: 'Basic <basic credential basic>' },
    });
    expect(secrets).toEqual(expect.arrayContaining(['k-123', 't-456', 's-789', 'q-000', 'ann:pw-111', 'pw-111']));
    const header = resolveGivenCredentials(SCHEMES, given([['Authorization', 'basic YW5uOnB3']]));
    expect(header.auth.schemes.basic?.value).toBe('Basic YW5uOnB3');
  });

  it('refuses what matches no scheme, naming the header or scheme and never the value', () => {
    const cases: Array<[AcceptCredentials, RegExp]> = [
      [given([['X-Api-Kye', 'secret-1']]), /--header X-Api-Kye is the credential of none of the spec's security schemes \(key: apiKey in header X-API-Key;/],
      [given([['Authorization', 'Token secret-1']]), /--header Authorization is the credential of none/],
      [given([['Cookie', 'other=secret-1']]), /the cookie other in --header Cookie/],
      [given([], { nope: 'secret-1' }), /names the scheme nope, which the spec does not define \(it defines: key: apiKey/],
      [given([], { digest: 'secret-1' }), /digest, which cannot be sent: http digest needs a challenge/],
      [given([], { basic: 'secret-1' }), /basic scheme basic a string without ":"/],
      [given([], { key: { username: 'u', password: 'secret-1' } }), /gives key a username and password, but it is an apiKey in header X-API-Key/],
      [given([['X-API-Key', 'secret-1']], { key: 'secret-1' }), /the scheme key was given twice/],
    ];
    for (const [credentials, message] of cases) {
      const error = refusal(() => resolveGivenCredentials(SCHEMES, credentials));
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain('secret-1');
      expect(error.code).toBe('bad_request');
    }
  });
});

describe('the judge sends the first alternative it has every credential for', () => {
  const { auth } = resolveGivenCredentials(SCHEMES, given([['X-API-Key', 'k-123']], { queryKey: 'q 000&x' }));

  it('chooses per alternative, and nothing for a public step', () => {
    expect(chooseCredentials(undefined, auth)).toEqual([]);
    expect(chooseCredentials([['bearer'], ['key', 'queryKey']], auth)?.map((p) => p.name)).toEqual(['x-api-key', 'api_key']);
    expect(chooseCredentials([['bearer'], ['basic']], auth)).toBeNull();
    expect(chooseCredentials([['key']], undefined)).toBeNull();
  });

  it('puts credentials in headers, query and cookies, replacing a sampled value, and shows only placeholders', () => {
    const placements = chooseCredentials([['key', 'queryKey']], auth) ?? [];
    const sent = withCredentials('/notes?api_key=sampled&page=2', { accept: 'application/json', 'x-api-key': 'sampled' }, placements);
    expect(sent.headers['x-api-key']).toBe('k-123');
    expect(new URL(`http://h${sent.path}`).searchParams.getAll('api_key')).toEqual(['q 000&x']);
    expect(new URL(`http://h${sent.path}`).searchParams.get('page')).toBe('2');
    expect(sent.shownPath).toBe('/notes?page=2&api_key=<apiKey credential queryKey>');
    expect(sent.shown).toEqual(['x-api-key: <apiKey credential key>', 'query: api_key=<apiKey credential queryKey>']);
    const cookies = withCredentials('/x', { cookie: 'a=1' }, [{ in: 'cookie', name: 'sid', value: 's', shown: '<c>' }]);
    expect(cookies.headers.cookie).toBe('a=1; sid=s');
  });
});

describe('checks without their credentials', () => {
  const step = (operationId: string, security?: string[][]) => ({
    name: `call ${operationId}`,
    operationId,
    request: { method: 'get' as const, path: '/x', pathParams: {}, query: {}, headers: {}, body: null },
    expect: { statuses: [200], statusClass: '2xx' as const, media: {}, list: null, assertions: [] },
    capture: [],
    ...(security ? { security } : {}),
  });
  const suite: AcceptanceSuite = {
    type: 'acceptance.suite',
    title: 't',
    schemas: {},
    dialect: '2020-12',
    securitySchemes: SCHEMES,
    checks: [
      { id: 'read.operation', operationId: 'read', kind: 'operation', title: 'read', unverifiable: null, steps: [step('create', [['key'], ['bearer']]), step('read')] },
      { id: 'list.operation', operationId: 'list', kind: 'operation', title: 'list', unverifiable: null, steps: [step('list')] },
      { id: 'q.operation', operationId: 'q', kind: 'operation', title: 'q', unverifiable: null, steps: [step('q', [['queryKey']])] },
      { id: 'd.operation', operationId: 'd', kind: 'operation', title: 'd', unverifiable: null, steps: [step('d', [['digest']])] },
    ],
  };

  it('are unverifiable, naming the step, the scheme and the option that gives it; the rest run', () => {
    const marked = requireCredentials(suite, { schemes: {} });
    const [read, list, query, digest] = marked.checks;
    expect(read?.steps).toEqual([]);
    expect(read?.unverifiable).toBe(
      'not run: step "call create" calls create, which needs credentials the run was not given: key (apiKey in header X-API-Key), or bearer (http bearer token); pass --header "X-API-Key: VALUE" (or --header-from-env X-API-Key=ENVVAR), or --header "Authorization: Bearer TOKEN" (or --header-from-env Authorization=ENVVAR holding "Bearer TOKEN", or --credentials FILE with bearer: TOKEN)',
    );
    expect(list?.unverifiable).toBeNull();
    expect(query?.unverifiable).toMatch(/pass --credentials FILE with queryKey: VALUE$/);
    expect(digest?.unverifiable).toMatch(/digest \(unsupported: http digest needs a challenge\); no option of autodev accept can give it$/);
    const withKey = requireCredentials(suite, resolveGivenCredentials(SCHEMES, given([['X-API-Key', 'k']])).auth);
    expect(withKey.checks.map((c) => c.unverifiable === null)).toEqual([true, true, false, false]);
  });

  it('a job suite sends its test credentials and gives the app their variables', () => {
    const plan = testCredentialPlan({ ...suite, testCredentials: { key: { value: 'test-abc', env: { KEY: 'test-abc' } }, basic: { value: 'u:p', env: { BASIC_USERNAME: 'u', BASIC_PASSWORD: 'p' } } } });
    expect(plan.auth.schemes.key?.value).toBe('test-abc');
    expect(plan.auth.schemes.basic?.value).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(plan.appEnv).toEqual({ KEY: 'test-abc', BASIC_USERNAME: 'u', BASIC_PASSWORD: 'p' });
  });
});

describe('reports', () => {
  it('never carry a credential the app echoed back', () => {
    const report = AcceptanceReport.parse({
      type: 'acceptance.report', passed: 0, failed: 1, unverified: 0, total: 1, durationMs: 1, app: null,
      checks: [{ id: 'a', operationId: 'a', kind: 'operation', title: 't', status: 'failed', request: { method: 'GET', path: '/me' },
        expected: { status: '200', contentType: null, schema: null, detail: '' },
        actual: { step: 's', status: 500, contentType: null, bodyExcerpt: 'bad key k-123456 for ann:pw-111', schemaErrors: ['/key is k-123456'], problem: 'x' } }],
    });
    const clean = JSON.stringify(redactReport(report, ['k-123456', 'ann:pw-111', 'pw-111', 'ab']));
    expect(clean).not.toContain('k-123456');
    expect(clean).not.toContain('pw-111');
    expect(clean).toContain('bad key <credential> for <credential>');
  });
});
