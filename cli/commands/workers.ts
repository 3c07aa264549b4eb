import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { daemonFor } from '../daemon-process.js';
import { describeNatsCredentials, fetchNatsCredentials } from '../nats-credentials.js';

/** Created new with mode 0600, never over an existing file: it holds a password. */
async function writePrivate(file: string, text: string): Promise<void> {
  const handle = await open(file, 'wx', 0o600).catch((error: NodeJS.ErrnoException) => {
    throw new CliError('usage', error.code === 'EEXIST' ? `${file} exists; pick a new file name or remove it first` : `cannot create ${file}: ${error.message}`);
  });
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

export const workersCommand: Command = {
  name: 'workers',
  summary: 'credentials for remote workers (autodevd worker) to join this daemon',
  usage: `Usage: autodev workers credentials [--out FILE] [--json]

Prints the NATS credentials of the worker user, for autodevd worker on
another process or machine. They are not the daemon's token: a worker may
pull work, read repository snapshots and send replies, heartbeats and
progress, and nothing else; it can neither publish job events nor read
other jobs' replies. Pass them with --credentials FILE (preferred: a
password on a command line is visible to other users) or --nats URL.

Options:
  --out FILE   write the credentials as JSON to FILE, created with mode 0600;
               then run: autodevd worker --credentials FILE
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS, out: { type: 'string' } },
  async run(ctx, values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== 'credentials') {
      throw new CliError('usage', 'workers takes one subcommand: credentials (autodev workers credentials --out worker.json)');
    }
    const credentials = await fetchNatsCredentials(await daemonFor(ctx), 'worker');
    if (typeof values.out === 'string') {
      const file = resolve(values.out);
      await writePrivate(file, `${JSON.stringify(credentials)}\n`);
      if (ctx.json) ctx.out(JSON.stringify({ out: file, url: credentials.url, user: credentials.user }));
      else ctx.out(`wrote ${file} (mode 0600); on the worker's machine run: autodevd worker --credentials ${file}`);
      return EXIT.ok;
    }
    if (ctx.json) ctx.out(JSON.stringify(credentials));
    else for (const line of describeNatsCredentials(credentials)) ctx.out(line);
    return EXIT.ok;
  },
};
