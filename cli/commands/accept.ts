import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AcceptanceReport, type AcceptanceCheckResult } from '../../proto/index.js';
import { call, jsonOrThrow } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { ensureDaemon } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';

export const acceptCommand: Command = {
  name: 'accept',
  summary: 'check an HTTP app against its OpenAPI spec, in the sandbox',
  usage: `Usage: autodev accept APP_DIR --spec FILE [--start CMD] [--json]

Checks the HTTP application in APP_DIR against an OpenAPI 3.x spec, with
checks derived from the spec alone (no model): every operation as
documented, bad bodies and unknown ids refused with a 4xx (never a 5xx), and
create / read / list / filter / update / delete sequences per resource.

The app is copied, never changed. In the sandbox, network off: its
dependencies are installed when it has a package.json (registry only,
install scripts run only inside the sandbox), it is built when it has a
build script, then started with npm start (or --start CMD) with PORT and
HOST=127.0.0.1 set. An app that never listens fails with its log.
Starts the daemon in the background when none is running.

Prints a table; with --json, one object: passed, failed, unverified, total,
durationMs, app (sandbox, setup steps, log excerpt) and checks, each with id,
operationId, kind, title, status, request, expected and actual (status,
contentType, bodyExcerpt, schemaErrors, problem). A check that could not be
run is "unverified" and never counts as passed.
Exit codes: 0 every check passed, 1 any did not, 2 usage error, 3 daemon unreachable.

Options:
  --spec FILE  the OpenAPI 3.x spec, YAML or JSON (required)
  --start CMD  shell command that starts the app (default: npm start)
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, spec: { type: 'string' }, start: { type: 'string' } },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1 || !positionals[0]) throw new CliError('usage', 'accept takes exactly one APP_DIR argument: the folder of the app to check');
    if (typeof values.spec !== 'string' || values.spec.length === 0) throw new CliError('usage', 'accept needs --spec FILE: the OpenAPI spec to check the app against');
    const appDir = resolve(positionals[0]);
    const isDir = await stat(appDir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new CliError('usage', `${appDir} is not a folder: give the folder that holds the app`);
    const specFile = resolve(values.spec);
    const spec = await readFile(specFile, 'utf8').catch((error: Error) => {
      throw new CliError('usage', `cannot read --spec ${specFile}: ${error.message}`);
    });
    if (values.start !== undefined && (typeof values.start !== 'string' || !values.start.trim())) throw new CliError('usage', '--start needs a command, e.g. --start "node server.js"');
    const { connection } = await ensureDaemon({
      home: ctx.home,
      onWaiting: () => {
        if (!ctx.json) ctx.err('starting autodevd in the background…');
      },
    });
    if (!ctx.json) ctx.err(`checking ${appDir} against ${specFile} in the sandbox…`);
    const json = typeof values.start === 'string' ? { appDir, spec, start: values.start } : { appDir, spec };
    const res = await call(connection, () => connection.api.acceptance.$post({ json }));
    const report = await jsonOrThrow(res, AcceptanceReport);
    if (ctx.json) ctx.out(JSON.stringify(report));
    else for (const line of renderReport(report)) ctx.out(line);
    return report.total > 0 && report.passed === report.total ? EXIT.ok : EXIT.jobFailed;
  },
};

const MARK: Record<AcceptanceCheckResult['status'], string> = { passed: 'pass', failed: 'FAIL', unverified: 'n/a ' };

/** One row per check, then what a fix needs for each that did not pass, then the counts. */
export function renderReport(report: AcceptanceReport): string[] {
  const lines: string[] = [];
  const idWidth = Math.min(48, Math.max(...report.checks.map((c) => c.id.length), 5));
  lines.push(`${'     '} ${'KIND'.padEnd(16)} ${'CHECK'.padEnd(idWidth)} PROBLEM`);
  for (const check of report.checks) {
    lines.push(`${MARK[check.status]}  ${check.kind.padEnd(16)} ${check.id.padEnd(idWidth)} ${check.status === 'passed' ? '' : (check.actual.problem ?? '')}`.trimEnd());
  }
  const notPassed = report.checks.filter((c) => c.status === 'failed');
  for (const check of notPassed) {
    lines.push('', `${check.id}: ${check.title}`);
    if (check.request) lines.push(`  request:  ${check.request.method} ${check.request.path}${check.request.body === undefined ? '' : ` ${clip(JSON.stringify(check.request.body))}`}`);
    lines.push(`  expected: ${check.expected.status}${check.expected.contentType ? ` ${check.expected.contentType}` : ''}${check.expected.schema ? `, schema ${check.expected.schema}` : ''} (${check.expected.detail})`);
    lines.push(`  actual:   ${check.actual.status ?? 'no answer'} at step "${check.actual.step}": ${check.actual.problem ?? ''}`);
    for (const error of check.actual.schemaErrors) lines.push(`            ${error}`);
    if (check.actual.bodyExcerpt) lines.push(`  body:     ${clip(check.actual.bodyExcerpt)}`);
  }
  const starts = report.checks.find((c) => c.kind === 'server_starts');
  if (starts?.status === 'failed' && report.app?.logExcerpt) lines.push('', 'app log (end):', ...report.app.logExcerpt.split('\n').map((l) => `  ${l}`));
  const sandbox = report.app ? `sandbox: ${report.app.sandbox}, ` : '';
  lines.push('', `${report.passed} passed, ${report.failed} failed, ${report.unverified} unverified of ${report.total} checks (${sandbox}${(report.durationMs / 1000).toFixed(1)} s)`);
  return lines;
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 197)}...` : text);
