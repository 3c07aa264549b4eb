import { marked, type Tokens } from 'marked';
import type { SpecSection } from '../../proto/index.js';

/**
 * Splits Markdown at its headings with a real lexer, so `#` lines inside
 * code fences stay content. Text before the first heading becomes a
 * depth-0 section.
 */
export function splitMarkdown(text: string): SpecSection[] {
  const sections: SpecSection[] = [];
  let current: SpecSection = { heading: '', depth: 0, content: '' };
  for (const token of marked.lexer(text)) {
    if (token.type === 'heading') {
      if (current.content.trim() || current.heading) sections.push(trimmed(current));
      const heading = token as Tokens.Heading;
      current = { heading: heading.text, depth: heading.depth, content: '' };
    } else {
      current.content += token.raw;
    }
  }
  if (current.content.trim() || current.heading) sections.push(trimmed(current));
  return sections;
}

const trimmed = (s: SpecSection): SpecSection => ({ ...s, content: s.content.trim() });

export function looksLikeMarkdown(text: string): boolean {
  return marked.lexer(text).some((t) => t.type === 'heading');
}
