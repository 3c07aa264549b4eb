import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { JobView } from '../../proto/index.js';
import { jsonOrThrow, send } from '../client.js';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { daemonFor } from '../daemon-process.js';
import { CliError, EXIT } from '../errors.js';
import { followJob } from '../follow.js';
import { exitCodeForJob } from '../job-read.js';
import { renderJobView } from '../render.js';

export const submitCommand: Command = {
  name: 'submit',
  summary: 'submit a job: a prompt and an optional spec',
  usage: `Usage: autodev submit "PROMPT" [--spec FILE] [--wait] [--json]

Starts the daemon in the background when none is running.

Options:
  --spec FILE  an API spec or docs to build against (OpenAPI, Markdown, text)
  --wait       follow the job until its record says it ended (events alone never
               end the wait); exit 0 if it completed, 1 if not
  --model PATH model for a daemon this command starts (else AUTODEV_MODEL or
               config.json); refused if one already runs with another model
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, spec: { type: 'string' }, wait: { type: 'boolean' }, model: { type: 'string' } },
  async run(ctx, values, positionals) {
    const [prompt] = positionals;
    // Three different mistakes, each with its own remedy: nothing given, an unquoted prompt split by the shell, a prompt with no text.
    if (prompt === undefined) throw new CliError('usage', 'submit needs a PROMPT saying what to build, e.g. autodev submit "a todo REST API with users"');
    if (positionals.length > 1) {
      throw new CliError('usage', `submit takes one PROMPT argument but got ${positionals.length}; put the whole prompt in quotes so the shell passes it as one`);
    }
    if (!prompt.trim()) throw new CliError('usage', 'the PROMPT is empty; say what to build, e.g. autodev submit "a todo REST API with users"');
    let spec: string | undefined;
    if (typeof values.spec === 'string') {
      const file = resolve(values.spec);
      spec = await readFile(file, 'utf8').catch((error: Error) => {
        throw new CliError('usage', `cannot read --spec ${file}: ${error.message}`);
      });
    }
    const connection = await daemonFor(ctx, typeof values.model === 'string' ? resolve(values.model) : undefined);
    const res = await send(connection, connection.api.jobs, '$post', { json: spec === undefined ? { prompt } : { prompt, spec } });
    const submitted = await jsonOrThrow(res, JobView);
    if (!values.wait) {
      if (ctx.json) ctx.out(JSON.stringify(submitted));
      else ctx.out(`submitted ${submitted.jobId}; follow it with: autodev watch ${submitted.jobId}`);
      return EXIT.ok;
    }
    if (!ctx.json) ctx.err(`submitted ${submitted.jobId}`);
    const final = await followJob(ctx, connection, submitted.jobId, !ctx.json);
    if (ctx.json) ctx.out(JSON.stringify(final));
    else for (const line of renderJobView(final)) ctx.out(line);
    return exitCodeForJob(final);
  },
};
