import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import YAML from 'yaml';
import { AcceptCredentials, CredentialText, GivenHeader, GivenSchemeValue } from '../proto/index.js';
import type { OptionValues } from './command.js';
import { CliError } from './errors.js';

export const CREDENTIAL_OPTIONS = {
  header: { type: 'string', multiple: true },
  'header-from-env': { type: 'string', multiple: true },
  credentials: { type: 'string' },
} as const;

export const CREDENTIALS_HELP = `  --header "NAME: VALUE"         a credential header, as curl spells it (repeatable):
                                 an apiKey header (--header "X-API-Key: KEY"),
                                 "Authorization: Bearer TOKEN", "Authorization: Basic
                                 BASE64", or "Cookie: NAME=VALUE" for an apiKey cookie
  --header-from-env NAME=ENVVAR  the same, with the value read from the environment
                                 variable ENVVAR, so it stays out of the command line
  --credentials FILE             credentials by scheme name (YAML or JSON), e.g.
                                   ApiKeyAuth: KEY        # an apiKey, in any place
                                   BearerAuth: TOKEN      # http bearer, oauth2, openIdConnect
                                   BasicAuth: { username: USER, password: PASSWORD }
                                 keys are the names in components.securitySchemes`;

const usage = (message: string) => new CliError('usage', message);

/**
 * The credentials given to `autodev accept`, checked for shape here; the
 * daemon matches them to the spec's schemes. Messages name the option, the
 * header, the variable or the scheme, and never a value: the value of a
 * malformed --header may be a secret typed in the wrong place.
 */
export async function credentialsFromOptions(values: OptionValues, env: Readonly<Record<string, string | undefined>>): Promise<AcceptCredentials | undefined> {
  const headers = [
    ...strings(values.header).map((arg, i) => headerArg(arg, i)),
    ...strings(values['header-from-env']).map((arg, i) => headerFromEnv(arg, i, env)),
  ];
  const schemes = typeof values.credentials === 'string' ? await credentialsFile(values.credentials) : {};
  if (headers.length === 0 && Object.keys(schemes).length === 0) return undefined;
  const parsed = AcceptCredentials.safeParse({ headers, schemes });
  if (!parsed.success) throw usage(`the credentials given are not usable: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

const strings = (value: OptionValues[string]): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : typeof value === 'string' ? [value] : []);

function headerArg(arg: string, index: number): GivenHeader {
  const colon = arg.indexOf(':');
  if (colon <= 0) throw usage(`--header number ${index + 1} is not "NAME: VALUE" (e.g. --header "X-API-Key: KEY")`);
  return checkedHeader(arg.slice(0, colon).trim(), arg.slice(colon + 1).trim(), `--header ${arg.slice(0, colon).trim()}`);
}

function headerFromEnv(arg: string, index: number, env: Readonly<Record<string, string | undefined>>): GivenHeader {
  const eq = arg.indexOf('=');
  const name = arg.slice(0, eq).trim();
  const variable = arg.slice(eq + 1).trim();
  if (eq <= 0 || !variable) throw usage(`--header-from-env number ${index + 1} is not NAME=ENVVAR (e.g. --header-from-env X-API-Key=API_KEY)`);
  const value = env[variable];
  if (value === undefined || value.trim() === '') throw usage(`--header-from-env ${name}=${variable}: the environment variable ${variable} is not set, or is empty`);
  return checkedHeader(name, value.trim(), `--header-from-env ${name}=${variable}`);
}

function checkedHeader(name: string, value: string, option: string): GivenHeader {
  const parsed = GivenHeader.safeParse({ name, value });
  if (!parsed.success) throw usage(`${option}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

async function credentialsFile(path: string): Promise<Record<string, GivenSchemeValue>> {
  const file = resolve(path);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw usage(`cannot read --credentials ${file}: ${error.code ?? error.message}`);
  });
  // The parser's own messages quote the source, which holds secrets: only the line is told.
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  const error = doc.errors[0];
  if (error) throw usage(`--credentials ${file} is not valid YAML or JSON (line ${text.slice(0, error.pos[0]).split('\n').length})`);
  const raw: unknown = doc.toJS();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw usage(`--credentials ${file} must map scheme names to values, e.g. "ApiKeyAuth: KEY"`);
  const schemes: Record<string, GivenSchemeValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value === 'string') {
      const text = CredentialText.safeParse(value);
      if (!text.success) throw usage(`--credentials ${file}: the value of ${name}: ${text.error.issues.map((i) => i.message).join('; ')}`);
      schemes[name] = text.data;
      continue;
    }
    const parsed = GivenSchemeValue.safeParse(value);
    if (!parsed.success) throw usage(`--credentials ${file}: the value of ${name} must be a string (a key or token) or { username, password } (http basic), each one line`);
    schemes[name] = parsed.data;
  }
  return schemes;
}
