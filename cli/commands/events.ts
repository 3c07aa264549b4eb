import { COMMON_HELP, COMMON_OPTIONS, type Command } from '../command.js';
import { CliError, EXIT } from '../errors.js';
import { daemonFor } from '../daemon-process.js';
import { describeNatsCredentials, fetchNatsCredentials } from '../nats-credentials.js';

export const eventsCommand: Command = {
  name: 'events',
  summary: 'how other tools subscribe to job events: observer credentials for the daemon\'s NATS',
  usage: `Usage: autodev events credentials [--json]

Prints the NATS URL, user and password of the observer: a NATS user that may
subscribe to job events (autodev.job.>) and publish nothing, so a tool
holding it can watch every job but forge none of its events. Events are
live only; a tool that needs a job's history, or its outcome, asks the API.
See docs/events.md for the subjects and a small subscriber.

Options:
${COMMON_HELP}`,
  options: { ...COMMON_OPTIONS },
  async run(ctx, _values, positionals) {
    if (positionals.length !== 1 || positionals[0] !== 'credentials') {
      throw new CliError('usage', 'events takes one subcommand: credentials (autodev events credentials --json)');
    }
    const credentials = await fetchNatsCredentials(await daemonFor(ctx), 'observer');
    if (ctx.json) ctx.out(JSON.stringify(credentials));
    else for (const line of describeNatsCredentials(credentials)) ctx.out(line);
    return EXIT.ok;
  },
};
