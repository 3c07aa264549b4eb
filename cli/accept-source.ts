import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AcceptanceSuite } from '../proto/index.js';
import { CliError } from './errors.js';

/** What `autodev accept` checks the app against: a spec to derive checks from, or a frozen suite to replay. */
export type AcceptSource = { body: { spec: string } | { suite: AcceptanceSuite }; file: string; what: string };

/**
 * Reads `--spec FILE` or `--suite FILE`, exactly one of them. A suite is
 * validated here against the schema the daemon judges with, so a file that
 * is not a suite (or one written by an incompatible version) is a usage
 * error naming the first problem, before any daemon starts.
 */
export async function acceptSourceFrom(values: Record<string, unknown>): Promise<AcceptSource> {
  const spec = typeof values.spec === 'string' ? values.spec : undefined;
  const suite = typeof values.suite === 'string' ? values.suite : undefined;
  if (spec !== undefined && suite !== undefined) {
    throw new CliError('usage', '--spec and --suite cannot be used together: --spec derives the checks from an OpenAPI spec, --suite replays a frozen suite.json as it is; give one');
  }
  if (spec === undefined && suite === undefined) {
    throw new CliError('usage', 'accept needs --spec FILE (the OpenAPI spec to check the app against) or --suite FILE (a job\'s suite.json to replay)');
  }
  const option = spec !== undefined ? '--spec' : '--suite';
  const given = spec ?? suite ?? '';
  if (!given) throw new CliError('usage', `${option} needs a FILE`);
  const file = resolve(given);
  const text = await readFile(file, 'utf8').catch((error: Error) => {
    throw new CliError('usage', `cannot read ${option} ${file}: ${error.message}`);
  });
  if (spec !== undefined) return { body: { spec: text }, file, what: file };
  return { body: { suite: parseSuite(text, file) }, file, what: `the suite ${file}` };
}

function parseSuite(text: string, file: string): AcceptanceSuite {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new CliError('usage', `--suite ${file} is not JSON (${(error as Error).message}); give a job's acceptance/suite.json`);
  }
  const parsed = AcceptanceSuite.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    throw new CliError('usage', `--suite ${file} is not an acceptance suite: ${where}: ${issue?.message ?? 'invalid'}; give a job's acceptance/suite.json, as written by this version of autodev`);
  }
  return parsed.data;
}
