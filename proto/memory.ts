import { z } from 'zod';

/** The seed's memory record types. */
export const MemoryType = z.enum(['api_doc', 'code', 'task', 'test', 'error']);
export type MemoryType = z.infer<typeof MemoryType>;

/** The seed's metadata, in camelCase. `version` is the git commit the content came from. */
export const MemoryMetadata = z
  .object({
    type: MemoryType,
    source: z.string().min(1).max(1000),
    taskId: z.string().max(200).nullable().default(null),
    timestamp: z.iso.datetime().optional(),
    version: z.string().max(100).nullable().default(null),
    platform: z.string().max(100).nullable().default(null),
    tags: z.array(z.string().min(1).max(100)).max(50).default([]),
  })
  .strict();
export type MemoryMetadata = z.output<typeof MemoryMetadata>;
export type MemoryMetadataInput = z.input<typeof MemoryMetadata>;

export const MemoryRecord = z.object({
  id: z.string(),
  content: z.string(),
  metadata: MemoryMetadata.required({ timestamp: true }),
});
export type MemoryRecord = z.output<typeof MemoryRecord>;

export const MemoryHit = MemoryRecord.extend({
  /** Fused rank score; higher is better. Only comparable within one answer. */
  score: z.number(),
});
export type MemoryHit = z.output<typeof MemoryHit>;

/** Every field narrows; tags match when the record has all of them. */
export const MemoryFilter = z
  .object({
    type: z.union([MemoryType, z.array(MemoryType).min(1)]).optional(),
    source: z.string().min(1).max(1000).optional(),
    taskId: z.string().min(1).max(200).optional(),
    version: z.string().min(1).max(100).optional(),
    platform: z.string().min(1).max(100).optional(),
    tags: z.array(z.string().min(1).max(100)).max(20).optional(),
  })
  .strict();
export type MemoryFilter = z.infer<typeof MemoryFilter>;

export const MemoryStoreInput = z
  .object({
    content: z.string().min(1).max(200_000),
    metadata: MemoryMetadata,
  })
  .strict();
export type MemoryStoreInput = z.input<typeof MemoryStoreInput>;

export const MemoryRetrieveInput = z
  .object({
    query: z.string().min(1).max(10_000),
    filter: MemoryFilter.optional(),
    topK: z.number().int().min(1).max(100).default(5),
  })
  .strict();
export type MemoryRetrieveInput = z.input<typeof MemoryRetrieveInput>;

export const MemoryUpdateInput = z
  .object({
    id: z.string().min(1).max(200),
    content: z.string().min(1).max(200_000).optional(),
    metadata: MemoryMetadata.partial().optional(),
  })
  .strict();
export type MemoryUpdateInput = z.input<typeof MemoryUpdateInput>;
