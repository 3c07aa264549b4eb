import type { LanceMemory } from './lance-memory.js';
import type { LanceMemoryStore } from './lance-memory-store.js';

/** What the daemon's parts ask of memory (TaskMemory, the MCP host, the validator). */
export type MemoryHandle = Pick<LanceMemory, 'forJob' | 'global' | 'dropJob' | 'close'>;

/**
 * Memory that opens when asked to, or when first used: LanceDB, Arrow and
 * the embedding model take seconds to import and load, and the daemon
 * answers before they are done. Every call waits for the opening; a failed
 * opening fails each call with its error (callers treat memory as an aid and
 * go on without it), so the daemon never stops over it.
 */
export class DeferredMemory implements MemoryHandle {
  readonly #open: () => Promise<LanceMemory>;
  #opening: Promise<LanceMemory> | null = null;

  constructor(open: () => Promise<LanceMemory>) {
    this.#open = open;
  }

  /** Starts opening, once; later calls return the same opening. */
  open(): Promise<LanceMemory> {
    if (!this.#opening) {
      this.#opening = this.#open();
      // Observed here, so a failure nobody asked about yet is not an unhandled rejection (which stops the daemon).
      this.#opening.catch(() => undefined);
    }
    return this.#opening;
  }

  async forJob(jobId: string): Promise<LanceMemoryStore> {
    return (await this.open()).forJob(jobId);
  }

  async global(): Promise<LanceMemoryStore> {
    return (await this.open()).global();
  }

  async dropJob(jobId: string): Promise<void> {
    return (await this.open()).dropJob(jobId);
  }

  /** Closes what was opened; memory that never opened has nothing to close. */
  async close(): Promise<void> {
    const memory = await this.#opening?.catch(() => null);
    await memory?.close();
  }
}
