import { marked } from 'marked';
import type { Chunk, ChunkSizes } from './chunk.js';
import { packUnits, type Unit } from './pack.js';

/**
 * Markdown split per heading with marked's lexer, so a `#` inside a code
 * fence is not taken for a heading. Each section keeps its heading line.
 */
export function chunkMarkdown(text: string, sizes: ChunkSizes): Chunk[] {
  const units: Unit[] = [];
  let current: Unit = { text: '', name: null, startLine: 1, endLine: 1 };
  let line = 1;
  for (const token of marked.lexer(text)) {
    const lines = token.raw.split('\n').length - 1;
    if (token.type === 'heading') {
      if (current.text.trim()) units.push(current);
      current = { text: '', name: `section ${token.text}`, startLine: line, endLine: line };
    }
    current.text += token.raw;
    line += lines;
    current.endLine = Math.max(current.startLine, line);
  }
  if (current.text.trim()) units.push(current);
  // One section a chunk, however short: a heading is the unit a reader asks about.
  return packUnits(units, { ...sizes, minTokens: 0 });
}
