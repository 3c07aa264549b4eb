import type { Command } from './command.js';

/**
 * A command as `autodev --help` lists it. Its module, and what that imports
 * (the API client, zod and proto/, the MCP SDK), loads only when the command
 * runs or shows its own help, so the top-level help imports none of them.
 * command-table.test.ts checks each entry against its module.
 */
export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'submit', summary: 'submit a job: a prompt and an optional spec', load: async () => (await import('./commands/submit.js')).submitCommand },
  { name: 'status', summary: 'show one job, or list every job', load: async () => (await import('./commands/status.js')).statusCommand },
  { name: 'watch', summary: 'follow a job live as a task tree', load: async () => (await import('./commands/watch.js')).watchCommand },
  { name: 'cancel', summary: 'cancel a running job', load: async () => (await import('./commands/cancel.js')).cancelCommand },
  { name: 'open', summary: 'open the web view of your jobs in a browser', load: async () => (await import('./commands/open.js')).openCommand },
  {
    name: 'result',
    summary: 'export a finished job: the application, its git history and its artifacts',
    load: async () => (await import('./commands/result.js')).resultCommand,
  },
  { name: 'accept', summary: 'check an HTTP app against its OpenAPI spec, in the sandbox', load: async () => (await import('./commands/accept.js')).acceptCommand },
  { name: 'daemon', summary: 'start, stop or check the background daemon', load: async () => (await import('./commands/daemon.js')).daemonCommand },
  { name: 'models', summary: 'list, download (pull) or remove local models', load: async () => (await import('./commands/models.js')).modelsCommand },
  { name: 'mcp', summary: 'list the MCP tool servers, or serve one over stdio', load: async () => (await import('./commands/mcp.js')).mcpCommand },
  { name: 'sandbox', summary: 'run one command in the sandbox, the way workers do', load: async () => (await import('./commands/sandbox.js')).sandboxCommand },
  {
    name: 'doctor',
    summary: 'check the set-up: sandbox backend and why, model, nats-server, docker, bwrap',
    load: async () => (await import('./commands/doctor.js')).doctorCommand,
  },
  {
    name: 'events',
    summary: "how other tools subscribe to job events: observer credentials for the daemon's NATS",
    load: async () => (await import('./commands/events.js')).eventsCommand,
  },
  {
    name: 'workers',
    summary: 'credentials for remote workers (autodevd worker) to join this daemon',
    load: async () => (await import('./commands/workers.js')).workersCommand,
  },
];
