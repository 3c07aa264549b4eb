import type { Chunk, ChunkSizes } from './chunk.js';
import { chunkCode, isCodePath } from './code-chunks.js';
import { chunkMarkdown } from './markdown-chunks.js';
import { chunkText } from './text-chunks.js';

/** Picks the chunker for a repository file by its extension. */
export function chunkFile(path: string, text: string, sizes: ChunkSizes): Chunk[] {
  if (isCodePath(path)) return chunkCode(path, text, sizes);
  if (/\.(md|markdown)$/i.test(path)) return chunkMarkdown(text, sizes);
  return chunkText(text, sizes);
}
