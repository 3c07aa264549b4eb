/** A piece of a source, cut along the source's own structure. */
export interface Chunk {
  content: string;
  /** What the chunk holds, e.g. `POST /todos createTodo` or `function createUser`; names become tags. */
  names: string[];
  /** 1-based line range in the source, when the source has lines. */
  startLine: number;
  endLine: number;
}

export interface ChunkSizes {
  /** Small neighbouring units are packed together until a chunk reaches this many tokens. */
  minTokens: number;
  /** No chunk is longer; a bigger unit is split into windows. */
  maxTokens: number;
  /** Tokens repeated between consecutive windows of one split unit. */
  overlapTokens: number;
}

export const DEFAULT_CHUNK_SIZES: ChunkSizes = { minTokens: 512, maxTokens: 1024, overlapTokens: 64 };
