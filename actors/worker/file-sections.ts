import { ProtocolError } from '../../proto/index.js';
import { assertSafeRelativePath } from './safe-path.js';

/**
 * Workers answer in delimited sections instead of JSON: models write worse
 * code when it must be escaped inside a JSON string. The grammar bounds every
 * repetition so that even a random-weight model finishes its answer.
 */
export interface FileSectionLimits {
  maxFiles: number;
  maxLinesPerFile: number;
  maxLineChars: number;
  maxSummaryChars: number;
}

export interface GeneratedFile {
  path: string;
  content: string;
}

export interface FileSections {
  summary: string;
  files: GeneratedFile[];
}

const MARK = '@@@';

export function fileSectionsGrammar(limits: FileSectionLimits): string {
  const w = Math.max(1, limits.maxLineChars - 1);
  return [
    `root ::= summary file{1,${limits.maxFiles}}`,
    `summary ::= "${MARK} SUMMARY " [^\\n]{1,${limits.maxSummaryChars}} "\\n"`,
    `file ::= "${MARK} FILE " path "\\n" line{0,${limits.maxLinesPerFile}} "${MARK} END\\n"`,
    `path ::= seg ("/" seg){0,5}`,
    `seg ::= [a-zA-Z0-9_.] [a-zA-Z0-9_.-]{0,40}`,
    // A content line may start with "@" or "@@", never with the marker itself.
    `line ::= body? "\\n"`,
    `body ::= rest | "@" rest? | "@@" rest?`,
    `rest ::= [^@\\n] [^\\n]{0,${w}}`,
  ].join('\n');
}

/** Parses a worker's answer; paths are checked again here, since grammars can be swapped. */
export function parseFileSections(text: string): FileSections {
  const lines = text.split('\n');
  let summary = '';
  const files: GeneratedFile[] = [];
  let current: { path: string; lines: string[] } | null = null;
  for (const line of lines) {
    if (current) {
      if (line === `${MARK} END`) {
        files.push({ path: current.path, content: current.lines.length ? `${current.lines.join('\n')}\n` : '' });
        current = null;
      } else {
        current.lines.push(line);
      }
    } else if (line.startsWith(`${MARK} SUMMARY `)) {
      summary = line.slice(`${MARK} SUMMARY `.length).trim();
    } else if (line.startsWith(`${MARK} FILE `)) {
      current = { path: assertSafeRelativePath(line.slice(`${MARK} FILE `.length).trim()), lines: [] };
    }
  }
  if (current) throw new ProtocolError('model_output_invalid', `file section "${current.path}" is not closed`);
  if (files.length === 0) throw new ProtocolError('model_output_invalid', 'the answer contains no file sections');
  // A file written twice is a revision, as it would be in an editor: the last version wins.
  const byPath = new Map(files.map((f) => [f.path, f]));
  return { summary, files: [...byPath.values()] };
}
