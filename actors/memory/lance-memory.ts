import { connect, type Connection, type Table } from '@lancedb/lancedb';
import type { Logger } from '../log/logger.js';
import type { Embedder } from './embedder.js';
import { hasMetaColumn, memorySchema, metadataColumns, toRecord, vectorDimension, type MemoryRow } from './lance-rows.js';
import { LanceMemoryStore, type AnnSettings } from './lance-memory-store.js';
import type { Memory } from './memory-store.js';

export interface LanceMemoryOptions {
  /** Folder of the LanceDB database, under the daemon's home. */
  dir: string;
  /** Null when no embedding model is installed: retrieval is full-text only. */
  embedder: Embedder | null;
  log: Logger;
  annThreshold?: number;
  ann?: Partial<AnnSettings>;
  now?: () => Date;
}

export const GLOBAL_SCOPE = 'global';

/** Table names allow letters, digits, `_` and `-`; job ids are already of that alphabet. */
export function tableNameFor(scope: string): string {
  return scope === GLOBAL_SCOPE ? 'knowledge_global' : `job_${scope.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/**
 * Memory on embedded LanceDB: one table per job, so jobs never see each
 * other's code, and one global table of errors and their fixes that every
 * job may read.
 */
export class LanceMemory implements Memory {
  readonly #db: Connection;
  readonly #options: LanceMemoryOptions;
  readonly #stores = new Map<string, Promise<LanceMemoryStore>>();

  private constructor(db: Connection, options: LanceMemoryOptions) {
    this.#db = db;
    this.#options = options;
  }

  static async open(options: LanceMemoryOptions): Promise<LanceMemory> {
    if (!options.embedder) {
      options.log.warn('no embedding model found: memory retrieval uses full-text search only', {
        fix: 'install one with `autodev models pull` (all-MiniLM-L6-v2) or set memory.embeddingModel in config.json',
      });
    }
    return new LanceMemory(await connect(options.dir), options);
  }

  forJob(jobId: string): Promise<LanceMemoryStore> {
    if (jobId === GLOBAL_SCOPE) throw new Error(`"${GLOBAL_SCOPE}" is reserved for the global table`);
    return this.#store(jobId);
  }

  global(): Promise<LanceMemoryStore> {
    return this.#store(GLOBAL_SCOPE);
  }

  /** Drops a job's memory, for when its job is deleted. */
  async dropJob(jobId: string): Promise<void> {
    this.#stores.delete(jobId);
    const name = tableNameFor(jobId);
    if ((await this.#db.tableNames()).includes(name)) await this.#db.dropTable(name);
  }

  async close(): Promise<void> {
    this.#stores.clear();
    this.#db.close();
  }

  #store(scope: string): Promise<LanceMemoryStore> {
    let store = this.#stores.get(scope);
    if (!store) {
      store = this.#openStore(scope);
      this.#stores.set(scope, store);
      store.catch(() => this.#stores.delete(scope));
    }
    return store;
  }

  async #openStore(scope: string): Promise<LanceMemoryStore> {
    const { embedder, log } = this.#options;
    const table = await this.#openTable(tableNameFor(scope));
    const store = new LanceMemoryStore({
      scope,
      table,
      embedder,
      log,
      ...(this.#options.annThreshold !== undefined ? { annThreshold: this.#options.annThreshold } : {}),
      ...(this.#options.ann ? { ann: this.#options.ann } : {}),
      ...(this.#options.now ? { now: this.#options.now } : {}),
    });
    await store.prepare();
    return store;
  }

  /**
   * Opens a table, rebuilding it when it was embedded by another model (or
   * none): vectors of two models cannot be compared, so every row is
   * re-embedded with the current one. A table written before the `meta`
   * column is rebuilt with it, keeping its vectors.
   */
  async #openTable(name: string): Promise<Table> {
    const { embedder, log } = this.#options;
    const dimension = embedder?.dimension ?? 0;
    const modelName = embedder?.name ?? '';
    if (!(await this.#db.tableNames()).includes(name)) {
      return this.#db.createEmptyTable(name, memorySchema(dimension));
    }
    const table = await this.#db.openTable(name);
    const schema = await table.schema();
    const stale = await table.countRows(`embed_model != '${modelName.replaceAll("'", "''")}'`);
    const reembed = vectorDimension(schema) !== dimension || stale > 0;
    if (!reembed && hasMetaColumn(schema)) return table;
    const rows = (await table.query().toArray()) as Array<Record<string, unknown>>;
    log.info(reembed ? 're-embedding memory for a new embedding model' : 'adding the meta column to memory', { table: name, rows: rows.length, model: modelName || 'none' });
    const vectors = reembed && embedder ? await embedder.embed(rows.map((r) => String(r.content))) : [];
    const rebuilt: MemoryRow[] = rows.map((row, i) => {
      const rest = Object.fromEntries(Object.entries(row).filter(([key]) => key !== 'vector'));
      const record = toRecord({ ...rest, meta: undefined });
      const vector = reembed ? vectors[i] : vectorOf(row.vector);
      return {
        ...(rest as unknown as MemoryRow),
        ...metadataColumns(record.metadata),
        ...(embedder && vector ? { vector: Array.from(vector) } : {}),
        embed_model: modelName,
      };
    });
    // `overwrite` replaces schema and rows in one commit: a crash leaves the old table whole.
    return this.#db.createTable(name, rebuilt.length ? (rebuilt as unknown as Array<Record<string, unknown>>) : [], {
      mode: 'overwrite',
      schema: memorySchema(dimension),
    });
  }
}

/** A vector column value as LanceDB returns it (an Arrow vector or an array). */
function vectorOf(value: unknown): ArrayLike<number> | undefined {
  if (value instanceof Float32Array || Array.isArray(value)) return value as ArrayLike<number>;
  const array = (value as { toArray?: () => ArrayLike<number> } | null)?.toArray?.();
  return array ?? undefined;
}
