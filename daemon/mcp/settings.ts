import { z } from 'zod';

const HostPattern = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9.:[\]-]+$/, 'must be a host name, an IP address, or *.domain');

/** The `mcp` section of config.json. */
export const McpSettings = z
  .object({
    fetch: z
      .object({
        allow: z.array(HostPattern).default([]).describe('when non-empty, the only hosts the fetch tools may reach (`*.example.com` patterns allowed)'),
        deny: z.array(HostPattern).default([]).describe('hosts the fetch tools never reach, whatever `allow` says'),
        allowPrivateAddresses: z
          .boolean()
          .default(false)
          .describe('let the fetch tools reach loopback, RFC 1918, link-local, CGNAT and similar addresses; refused unless true'),
        timeoutMs: z.number().int().min(100).max(300_000).default(15_000).describe('time one fetch may take, in ms'),
        maxBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(5 * 1024 * 1024)
          .describe('largest body one fetch reads, in bytes, enforced while streaming'),
        maxRedirects: z.number().int().min(0).max(10).default(5).describe('redirects one fetch follows, each checked against the host rules again'),
      })
      .strict()
      .prefault({})
      .describe('limits and host lists of the fetch server'),
    database: z
      .object({
        readOnly: z.boolean().default(false).describe('refuse every statement SQLite does not report as read-only, and create_schema, migrate_database and seed_data'),
        statementTimeoutMs: z
          .number()
          .int()
          .min(100)
          .max(600_000)
          .default(5000)
          .describe('a statement (or migration file, or seed batch) running longer is stopped, its process killed, and the call answers an error; in ms'),
      })
      .strict()
      .prefault({})
      .describe("the database server: the job's SQLite file"),
    /**
     * Off by default: a model too weak to use tools (the random-weight test
     * model) only loses that part of its budget for writing files.
     */
    workerToolTokens: z
      .number()
      .int()
      .min(0)
      .max(8192)
      .default(0)
      .describe("tokens a worker may spend calling its task's tools before writing files, out of the attempt's budget; 0 turns worker tool calls off"),
    git: z
      .object({
        remotes: z
          .record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.url({ protocol: /^https?$/ }))
          .default({})
          .describe('the only remotes git_push may push to: name to http(s) URL'),
      })
      .strict()
      .prefault({})
      .describe('the git server'),
  })
  .strict();
export type McpSettings = z.infer<typeof McpSettings>;
