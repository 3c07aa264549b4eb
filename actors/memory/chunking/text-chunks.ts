import type { Chunk, ChunkSizes } from './chunk.js';
import { packUnits, type Unit } from './pack.js';

/** Plain text and unknown formats: paragraphs, packed. */
export function chunkText(text: string, sizes: ChunkSizes): Chunk[] {
  const units: Unit[] = [];
  let line = 1;
  for (const paragraph of text.split(/\n{2,}/)) {
    const lines = paragraph.split('\n').length;
    units.push({ text: paragraph, name: null, startLine: line, endLine: line + lines - 1 });
    line += lines + 1;
  }
  return packUnits(units, sizes);
}
