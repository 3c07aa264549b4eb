import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsFromOptions } from './accept-credentials.js';
import { CliError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'accept-credentials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

async function usageError(run: Promise<unknown>): Promise<string> {
  const error = await run.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error instanceof CliError ? error.message : '';
}

describe('accept --header, --header-from-env and --credentials', () => {
  it('gives nothing when no credential option is used', async () => {
    expect(await credentialsFromOptions({}, {})).toBeUndefined();
  });

  it('reads curl-style headers, headers from the environment and a YAML file of schemes', async () => {
    const creds = file('creds.yaml', 'QueryKey: q-secret-1\nBasicAuth: { username: ann, password: "p:w" }\n');
    const given = await credentialsFromOptions({ header: ['X-API-Key:  k-secret-1', 'Cookie: sid=c-1'], 'header-from-env': ['Authorization=TOKEN'], credentials: creds }, { TOKEN: 'Bearer t-secret-1' });
    expect(given).toEqual({
      headers: [
        { name: 'X-API-Key', value: 'k-secret-1' },
        { name: 'Cookie', value: 'sid=c-1' },
        { name: 'Authorization', value: 'Bearer t-secret-1' },
      ],
      schemes: { QueryKey: 'q-secret-1', BasicAuth: { username: 'ann', password: 'p:w' } },
    });
    expect(await credentialsFromOptions({ credentials: file('creds.json', '{"Key": "j-1"}') }, {})).toEqual({ headers: [], schemes: { Key: 'j-1' } });
  });

  it('refuses malformed options, naming the option and never the value', async () => {
    const secret = 'hunter2-secret';
    const messages = await Promise.all([
      usageError(credentialsFromOptions({ header: [secret] }, {})),
      usageError(credentialsFromOptions({ header: [`Bad Name: ${secret}`] }, {})),
      usageError(credentialsFromOptions({ 'header-from-env': ['X-API-Key=MISSING'] }, {})),
      usageError(credentialsFromOptions({ 'header-from-env': [secret] }, {})),
      usageError(credentialsFromOptions({ credentials: file('bad.yaml', `Key: [${secret}\n`) }, {})),
      usageError(credentialsFromOptions({ credentials: file('list.yaml', `- ${secret}\n`) }, {})),
      usageError(credentialsFromOptions({ credentials: file('num.yaml', `Key: { user: ${secret} }\n`) }, {})),
      usageError(credentialsFromOptions({ credentials: file('lines.yaml', `Key: "${secret}\\nmore"\n`) }, {})),
      usageError(credentialsFromOptions({ credentials: join(dir, 'absent.yaml') }, {})),
    ]);
    expect(messages[0]).toBe('--header number 1 is not "NAME: VALUE" (e.g. --header "X-API-Key: KEY")');
    expect(messages[1]).toMatch(/a header name is a token/);
    expect(messages[2]).toBe('--header-from-env X-API-Key=MISSING: the environment variable MISSING is not set, or is empty');
    expect(messages[3]).toMatch(/is not NAME=ENVVAR/);
    expect(messages[4]).toMatch(/is not valid YAML or JSON \(line \d+\)/);
    expect(messages[5]).toMatch(/must map scheme names to values/);
    expect(messages[6]).toMatch(/the value of Key must be a string \(a key or token\) or \{ username, password \}/);
    expect(messages[7]).toMatch(/the value of Key: a credential must be one line/);
    expect(messages[8]).toMatch(/cannot read --credentials .*absent\.yaml: ENOENT/);
    // A secret typed where a name belongs is not echoed either.
    for (const message of messages) expect(message).not.toContain(secret);
  });
});
