import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AcceptanceReport, type AcceptanceSuite } from '../proto/index.js';
import { acceptApp } from '../actors/acceptance/app-runner.js';
import type { CredentialPlan } from '../actors/acceptance/credential-plan.js';
import { deriveSuiteFromText } from '../actors/acceptance/derive-checks.js';
import { resolveGivenCredentials } from '../actors/acceptance/given-credentials.js';
import { chooseTestCredentials } from '../actors/master/test-credentials.js';
import { BubblewrapSandbox } from '../actors/sandbox/bubblewrap-sandbox.js';
import { bwrapSkipReason } from './helpers/bwrap.js';
import { runCli } from './helpers/cli.js';
import { REPO_ROOT, tempDir, writeConfig } from './helpers/env.js';

const skip = bwrapSkipReason();
const APP = join(REPO_ROOT, 'test', 'fixtures', 'acceptance', 'secured-notes');
const SPEC = join(APP, 'openapi.yaml');
// The fixture's defaults when its environment names no credentials (see its server.js).
const KEY = 'fixture-key-5b1e';
const TOKEN = 'fixture-token-9c2d';

const statusOf = (report: AcceptanceReport) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));

/** Secured operations through the real bubblewrap sandbox, the judge in its own sandbox beside the app. */
describe.skipIf(skip)(`acceptance of an app with secured operations${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let sandbox: BubblewrapSandbox;
  let suite: AcceptanceSuite;
  const work = tempDir('accept-security');
  let n = 0;
  const accept = (options: { credentials?: CredentialPlan; start?: string; suite?: AcceptanceSuite } = {}) =>
    acceptApp({ sandbox, appDir: APP, workDir: join(work.path, `run-${++n}`), suite: options.suite ?? suite, ...(options.credentials ? { credentials: options.credentials } : {}), ...(options.start ? { start: options.start } : {}) });
  const given = (headers: Array<[string, string]>): CredentialPlan => {
    const { auth, secrets } = resolveGivenCredentials(suite.securitySchemes ?? {}, { headers: headers.map(([name, value]) => ({ name, value })), schemes: {} });
    return { auth, appEnv: {}, secrets };
  };

  beforeAll(async () => {
    sandbox = new BubblewrapSandbox();
    suite = await deriveSuiteFromText(readFileSync(SPEC, 'utf8'));
  });
  afterAll(async () => {
    await sandbox.close();
    work.cleanup();
  });

  it('passes every check when given the API key and the bearer token, sending each only where the spec asks', async () => {
    const report = await accept({ credentials: given([['X-API-Key', KEY], ['Authorization', `Bearer ${TOKEN}`]]) });
    const notPassed = report.checks.filter((c) => c.status !== 'passed');
    expect(notPassed, JSON.stringify(notPassed, null, 1)).toEqual([]);
    expect(statusOf(report)).toMatchObject({ 'createNote.no_credentials': 'passed', 'deleteNote.no_credentials': 'passed', 'createNote.operation': 'passed', 'deleteNote.operation': 'passed' });
    expect(report.total).toBeGreaterThan(12);
    expect(JSON.stringify(report)).not.toContain(KEY);
    expect(JSON.stringify(report)).not.toContain(TOKEN);
  });

  it('without credentials leaves the secured checks and their dependants unverified, naming the option, and fails none', async () => {
    const report = await accept();
    expect(report.failed, JSON.stringify(report.checks.filter((c) => c.status === 'failed'), null, 1)).toBe(0);
    const status = statusOf(report);
    // Public checks and the anonymous call of the create still run.
    expect(status).toMatchObject({ 'app.server_starts': 'passed', 'listNotes.operation': 'passed', 'getNote.unknown_id': 'passed', 'createNote.no_credentials': 'passed' });
    // A read needs a note first, and making one needs the key: unverified, never blamed on getNote.
    const read = report.checks.find((c) => c.id === 'getNote.operation');
    expect(read?.status).toBe('unverified');
    expect(read?.actual.problem).toMatch(/step "create note" calls createNote, which needs credentials the run was not given: api_key \(apiKey in header X-API-Key\); pass --header "X-API-Key: VALUE"/);
    expect(report.checks.find((c) => c.id === 'deleteNote.unknown_id')?.actual.problem).toMatch(/bearer_token .*--header "Authorization: Bearer TOKEN"/);
    expect(report.unverified).toBeGreaterThan(8);
  });

  it('fails the no-credentials check of an app that ignores the key, and only checks about it', async () => {
    const report = await accept({ credentials: given([['X-API-Key', KEY], ['Authorization', `Bearer ${TOKEN}`]]), start: 'BUG=ignore_key node server.js' });
    const failed = report.checks.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.id)).toEqual(['createNote.no_credentials']);
    expect(failed[0]?.actual.problem).toMatch(/got 201, expected 401/);
    expect(failed[0]?.request?.credentials).toBeUndefined();
  });

  it("a job's suite sends the test credentials the Master chose, and the app reads them from the environment", async () => {
    const testCredentials = chooseTestCredentials(suite.securitySchemes ?? {});
    expect(Object.keys(testCredentials.api_key?.env ?? {})).toEqual(['API_KEY']);
    expect(Object.keys(testCredentials.bearer_token?.env ?? {})).toEqual(['BEARER_TOKEN']);
    const report = await accept({ suite: { ...suite, testCredentials } });
    expect(report.checks.filter((c) => c.status !== 'passed')).toEqual([]);
    // The fixture's own defaults are not the chosen values: it passed on what the environment gave it.
    expect(testCredentials.api_key?.value).not.toBe(KEY);
  });
});

/** `autodev accept` as a user runs it: the credentials by option, never printed. */
describe.skipIf(skip)(`autodev accept with credentials${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const home = tempDir('accept-security-cli');
  const args = (...rest: string[]) => ['accept', APP, '--spec', SPEC, '--home', home.path, ...rest];

  beforeAll(() => writeConfig(home.path, { sandbox: { backend: 'bubblewrap' } }));
  afterAll(async () => {
    await runCli(['daemon', 'stop', '--home', home.path]);
    home.cleanup();
  });

  it('takes --header and --header-from-env, passes, and prints neither secret in the table or in --json', async () => {
    const env = { NOTES_TOKEN: `Bearer ${TOKEN}` };
    const json = await runCli(args('--json', '--header', `X-API-Key: ${KEY}`, '--header-from-env', 'Authorization=NOTES_TOKEN'), env, 180_000);
    expect(json.code, json.stderr).toBe(0);
    const report = AcceptanceReport.parse(JSON.parse(json.stdout.trim().split('\n').pop() ?? '{}'));
    expect(report.failed + report.unverified).toBe(0);
    const table = await runCli(args('--header', `X-API-Key: ${KEY}`, '--header-from-env', 'Authorization=NOTES_TOKEN', '--start', 'BUG=ignore_key node server.js'), env, 180_000);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/FAIL +no_credentials +createNote\.no_credentials +got 201, expected 401/);
    for (const output of [json.stdout, json.stderr, table.stdout, table.stderr]) {
      expect(output).not.toContain(KEY);
      expect(output).not.toContain(TOKEN);
    }
  });

  it('without credentials exits 1 with the secured checks unverified and none failed; a header no scheme takes is a usage error', async () => {
    const run = await runCli(args('--json'), {}, 180_000);
    expect(run.code).toBe(1);
    const report = AcceptanceReport.parse(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}'));
    expect(report.failed).toBe(0);
    expect(report.checks.find((c) => c.id === 'createNote.operation')?.actual.problem).toMatch(/pass --header "X-API-Key: VALUE"/);
    const wrong = await runCli(args('--header', `X-Api-Kee: ${KEY}`), {}, 60_000);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--header X-Api-Kee is the credential of none of the spec's security schemes/);
    expect(wrong.stderr).not.toContain(KEY);
  });
});
