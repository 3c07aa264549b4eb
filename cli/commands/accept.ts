import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AcceptanceReport } from '../../proto/index.js';
import { acceptSourceFrom } from '../accept-source.js';
import { CREDENTIAL_OPTIONS, CREDENTIALS_HELP, credentialsFromOptions } from '../accept-credentials.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { renderReport } from '../render-report.js';

export const acceptCommand: Command = {
  name: 'accept',
  summary: 'check an HTTP app against its OpenAPI spec, in the sandbox',
  usage: `Usage: autodev accept APP_DIR (--spec FILE | --suite FILE) [--start CMD] [--json]

Checks the HTTP application in APP_DIR against an OpenAPI 3.x spec, with
checks derived from the spec alone (no model): every operation as
documented, bad bodies and unknown ids refused with a 4xx (never a 5xx), and
create / read / list / filter / update / delete sequences per resource,
documented 409s and 422s provoked (a duplicate, a change past a documented
bound), and, after every write, a pass that lists, filters and reads back
what the app stored. Form bodies (multipart with a small generated file,
urlencoded) are built from their schemas. Reads on a collection nothing
creates use ids from its list (or the spec's examples).
With --suite, the checks are a job's frozen suite.json, replayed exactly as
they judged the job, so an exported result can be checked again later.

The app is copied, never changed. In the sandbox, network off: its
dependencies are installed when it has a package.json (registry only,
install scripts run only inside the sandbox), it is built when it has a
build script, then started with npm start (or --start CMD) with PORT and
HOST=127.0.0.1 set. An app that never listens fails with its log.
Starts the daemon in the background when none is running.

Prints a table; with --json, one object: passed, failed, blocked, unverified,
total, durationMs, app (sandbox, setup steps, log excerpt) and checks, each
with id, operationId, kind, title, status, rootCause (blocked checks only),
request, expected and actual (status, contentType, bodyExcerpt, schemaErrors,
problem). A check that could not be run is "unverified"; one whose setup
failed on a bug another check reports (a create answering an undocumented
status) is "blocked", with that check as its rootCause. Neither counts as
passed.
Exit codes: 0 every check passed, 1 any did not, 2 usage error, 3 daemon unreachable.

Options:
  --spec FILE  the OpenAPI 3.x spec, YAML or JSON, to derive the checks from
  --suite FILE a frozen suite to replay as it is, instead of --spec: a job's
               suite.json, kept in <home>/jobs/<id>/acceptance/suite.json and
               exported by \`autodev result\` as DIR/artifacts/acceptance/suite.json
  --start CMD  shell command that starts the app (default: npm start)
${CREDENTIALS_HELP}
${COMMON_HELP}

Operations the spec secures (security, components.securitySchemes) are sent
with the credentials given; without them their checks, and the checks that
need them to set up, are "unverified" with the option to pass. Each secured
operation is also called without credentials and must answer 401 or 403 (or
what it documents). Reports show credentials as placeholders, never values.`,
  options: { ...COMMON_OPTIONS, ...CREDENTIAL_OPTIONS, spec: { type: 'string' }, suite: { type: 'string' }, start: { type: 'string' } },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1 || !positionals[0]) throw new CliError('usage', 'accept takes exactly one APP_DIR argument: the folder of the app to check');
    const appDir = resolve(positionals[0]);
    const isDir = await stat(appDir).then((s) => s.isDirectory(), () => false);
    if (!isDir) throw new CliError('usage', `${appDir} is not a folder: give the folder that holds the app`);
    const source = await acceptSourceFrom(values);
    if (values.start !== undefined && (typeof values.start !== 'string' || !values.start.trim())) throw new CliError('usage', '--start needs a command, e.g. --start "node server.js"');
    const credentials = await credentialsFromOptions(values, ctx.env ?? {});
    const connection = await daemonFor(ctx);
    if (!ctx.json) ctx.err(`checking ${appDir} against ${source.what} in the sandbox…`);
    const json = { appDir, ...source.body, ...(typeof values.start === 'string' ? { start: values.start } : {}), ...(credentials ? { credentials } : {}) };
    const res = await send(connection, connection.api.acceptance, '$post', { json });
    const report = await jsonOrThrow(res, AcceptanceReport);
    if (ctx.json) ctx.out(JSON.stringify(report));
    else for (const line of renderReport(report)) ctx.out(line);
    return report.total > 0 && report.passed === report.total ? EXIT.ok : EXIT.jobFailed;
  },
};
