import { z } from 'zod';

const HostPattern = z
  .string()
  .regex(/^(\*\.)?[A-Za-z0-9.:[\]-]+$/, 'must be a host name, an IP address, or *.domain');

/** The `mcp` section of config.json. */
export const McpSettings = z
  .object({
    fetch: z
      .object({
        /** When non-empty, only these hosts can be fetched. */
        allow: z.array(HostPattern).default([]),
        deny: z.array(HostPattern).default([]),
        /** Loopback, RFC 1918, link-local and similar ranges are refused unless this is true. */
        allowPrivateAddresses: z.boolean().default(false),
        timeoutMs: z.number().int().min(100).max(300_000).default(15_000),
        maxBytes: z.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
        maxRedirects: z.number().int().min(0).max(10).default(5),
      })
      .strict()
      .prefault({}),
    database: z
      .object({
        readOnly: z.boolean().default(false),
        /** A statement running longer is stopped (its process killed) and the call answers an error. */
        statementTimeoutMs: z.number().int().min(100).max(600_000).default(5000),
      })
      .strict()
      .prefault({}),
    /**
     * Tokens a worker may spend calling its task's tools before writing files,
     * out of the attempt's budget; 0 (the default) turns worker tool calls off.
     * Off by default: a model too weak to use tools (the random-weight test
     * model) only loses that part of its budget for writing files.
     */
    workerToolTokens: z.number().int().min(0).max(8192).default(0),
    git: z
      .object({
        /** The only remotes git_push may push to: name to http(s) URL. */
        remotes: z.record(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/), z.url({ protocol: /^https?$/ })).default({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type McpSettings = z.infer<typeof McpSettings>;
