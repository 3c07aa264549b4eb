import type { Chunk, ChunkSizes } from './chunk.js';
import { CHARS_PER_TOKEN, estimateTokens } from './tokens.js';

/** A structural unit of a source: a declaration, a heading's section, an operation. */
export interface Unit {
  text: string;
  name: string | null;
  startLine: number;
  endLine: number;
}

/**
 * Units become chunks: neighbours are packed while the chunk is under
 * `minTokens` and the result stays under `maxTokens`; a unit over
 * `maxTokens` is cut into overlapping windows on line boundaries, so no
 * declaration is ever split mid-line.
 */
export function packUnits(units: readonly Unit[], sizes: ChunkSizes): Chunk[] {
  const chunks: Chunk[] = [];
  let open: Chunk | null = null;
  const flush = () => {
    if (open) chunks.push(open);
    open = null;
  };
  for (const unit of units) {
    if (!unit.text.trim()) continue;
    const tokens = estimateTokens(unit.text);
    if (tokens > sizes.maxTokens) {
      flush();
      chunks.push(...splitUnit(unit, sizes));
      continue;
    }
    const current: Chunk | null = open;
    if (current && estimateTokens(current.content) < sizes.minTokens && estimateTokens(current.content) + tokens + 1 <= sizes.maxTokens) {
      current.content = `${current.content}\n${unit.text}`;
      if (unit.name) current.names.push(unit.name);
      current.endLine = unit.endLine;
      continue;
    }
    flush();
    open = { content: unit.text, names: unit.name ? [unit.name] : [], startLine: unit.startLine, endLine: unit.endLine };
  }
  flush();
  return chunks;
}

/** Windows of whole lines; a single line longer than a window is cut by characters. */
export function splitUnit(unit: Unit, sizes: ChunkSizes): Chunk[] {
  const maxChars = sizes.maxTokens * CHARS_PER_TOKEN;
  const overlapChars = Math.min(sizes.overlapTokens * CHARS_PER_TOKEN, Math.floor(maxChars / 2));
  const lines = unit.text.split('\n').flatMap((line) => cutLongLine(line, maxChars));
  const chunks: Chunk[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let size = 0;
    while (end < lines.length && (end === start || size + lines[end]!.length + 1 <= maxChars)) {
      size += lines[end]!.length + 1;
      end += 1;
    }
    chunks.push({
      content: lines.slice(start, end).join('\n'),
      names: unit.name ? [unit.name] : [],
      startLine: unit.startLine + start,
      endLine: Math.min(unit.endLine, unit.startLine + end - 1),
    });
    if (end >= lines.length) break;
    // Step back over whole lines worth about `overlapChars`, but always advance.
    let back = end;
    let overlap = 0;
    while (back > start + 1 && overlap + lines[back - 1]!.length + 1 <= overlapChars) {
      back -= 1;
      overlap += lines[back]!.length + 1;
    }
    start = back;
  }
  return chunks;
}

function cutLongLine(line: string, maxChars: number): string[] {
  if (line.length <= maxChars) return [line];
  const parts: string[] = [];
  for (let i = 0; i < line.length; i += maxChars) parts.push(line.slice(i, i + maxChars));
  return parts;
}
