import type {
  MemoryFilter,
  MemoryHit,
  MemoryRecord,
  MemoryRetrieveInput,
  MemoryStoreInput,
  MemoryUpdateInput,
} from '../../proto/memory.js';
import { AutodevError, type ErrorCode } from '../../proto/errors.js';

/**
 * The seed's memory operations over one table: a job's own memory, or the
 * global table of errors and fixes that later jobs can learn from. Inputs
 * are validated against the proto/memory.ts schemas inside each method, so
 * callers at a boundary (MCP tools, the API) may pass what they received.
 */
export interface MemoryStore {
  readonly scope: string;
  store(input: MemoryStoreInput): Promise<MemoryRecord>;
  storeMany(inputs: readonly MemoryStoreInput[]): Promise<MemoryRecord[]>;
  /** Hybrid retrieval: full-text plus vector search, fused by reciprocal rank. */
  retrieve(input: MemoryRetrieveInput): Promise<MemoryHit[]>;
  /** Throws MemoryError with code `not_found` for an unknown id. */
  update(input: MemoryUpdateInput): Promise<MemoryRecord>;
  /** Resolves false when nothing had that id. */
  delete(id: string): Promise<boolean>;
  searchByMetadata(filter: MemoryFilter, limit?: number): Promise<MemoryRecord[]>;
}

/** Opens the store of each scope; one per daemon, built at the composition root. */
export interface Memory {
  forJob(jobId: string): Promise<MemoryStore>;
  global(): Promise<MemoryStore>;
  close(): Promise<void>;
}

export type MemoryErrorReason = 'not_found' | 'invalid_input' | 'unavailable';

const MEMORY_CODES: Record<MemoryErrorReason, ErrorCode> = { not_found: 'not_found', invalid_input: 'bad_request', unavailable: 'unavailable' };

/** The memory layer's error: `reason` is memory's own word, `code` the stable ErrorCode it maps to. */
export class MemoryError extends AutodevError {
  override readonly name = 'MemoryError';
  constructor(
    readonly reason: MemoryErrorReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(MEMORY_CODES[reason], message, options);
  }
}
