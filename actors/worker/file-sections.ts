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

export interface FileEdit {
  path: string;
  search: string;
  replace: string;
}

export interface FileSections {
  summary: string;
  files: GeneratedFile[];
  /** Search/replace edits of existing files, in the order written. */
  edits: FileEdit[];
}

const MARK = '@@@';

/** `edits` offers EDIT blocks beside FILE blocks (fix tasks); otherwise an answer is whole files only. */
export function fileSectionsGrammar(limits: FileSectionLimits, options: { edits?: boolean } = {}): string {
  const w = Math.max(1, limits.maxLineChars - 1);
  return [
    `root ::= summary block{1,${limits.maxFiles}}`,
    `summary ::= "${MARK} SUMMARY " [^\\n]{1,${limits.maxSummaryChars}} "\\n"`,
    options.edits ? `block ::= file | edit` : `block ::= file`,
    `file ::= "${MARK} FILE " path "\\n" line{0,${limits.maxLinesPerFile}} "${MARK} END\\n"`,
    // An edit replaces one exact passage of a file that exists: SEARCH lines, then their replacement.
    `edit ::= "${MARK} EDIT " path "\\n${MARK} SEARCH\\n" line{1,${limits.maxLinesPerFile}} "${MARK} REPLACE\\n" line{0,${limits.maxLinesPerFile}} "${MARK} END\\n"`,
    `path ::= seg ("/" seg){0,5}`,
    `seg ::= [a-zA-Z0-9_.] [a-zA-Z0-9_.-]{0,40}`,
    // A content line may start with "@" or "@@", never with the marker itself.
    `line ::= body? "\\n"`,
    `body ::= rest | "@" rest? | "@@" rest?`,
    `rest ::= [^@\\n] [^\\n]{0,${w}}`,
  ].join('\n');
}

type Block = { kind: 'file' | 'edit' | 'search' | 'replace'; path: string; lines: string[]; search: string };

/** Parses a worker's answer; paths are checked again here, since grammars can be swapped. */
export function parseFileSections(text: string): FileSections {
  let summary = '';
  const files: GeneratedFile[] = [];
  const edits: FileEdit[] = [];
  // Inside a block: its kind, its path, and the lines of the part being read.
  // Widened on purpose: TypeScript would otherwise narrow it to null for the whole loop.
  let block = null as Block | null;
  const joined = (lines: readonly string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  for (const line of text.split('\n')) {
    if (block?.kind === 'edit') {
      if (line !== `${MARK} SEARCH`) throw new ProtocolError('model_output_invalid', `edit of "${block.path}" must go on with a ${MARK} SEARCH line`);
      block = { ...block, kind: 'search' };
    } else if (block) {
      if (block.kind === 'search' && line === `${MARK} REPLACE`) {
        if (block.lines.length === 0) throw new ProtocolError('model_output_invalid', `edit of "${block.path}" has an empty SEARCH part`);
        block = { ...block, kind: 'replace', search: joined(block.lines), lines: [] };
      } else if (line === `${MARK} END`) {
        if (block.kind === 'file') files.push({ path: block.path, content: joined(block.lines) });
        else if (block.kind === 'replace') edits.push({ path: block.path, search: block.search, replace: joined(block.lines) });
        else throw new ProtocolError('model_output_invalid', `edit of "${block.path}" has no REPLACE part`);
        block = null;
      } else {
        block.lines.push(line);
      }
    } else if (line.startsWith(`${MARK} SUMMARY `)) {
      summary = line.slice(`${MARK} SUMMARY `.length).trim();
    } else if (line.startsWith(`${MARK} FILE `)) {
      block = { kind: 'file', path: assertSafeRelativePath(line.slice(`${MARK} FILE `.length).trim()), lines: [], search: '' };
    } else if (line.startsWith(`${MARK} EDIT `)) {
      block = { kind: 'edit', path: assertSafeRelativePath(line.slice(`${MARK} EDIT `.length).trim()), lines: [], search: '' };
    }
  }
  if (block) throw new ProtocolError('model_output_invalid', `${block.kind === 'file' ? 'file' : 'edit'} section "${block.path}" is not closed`);
  if (files.length === 0 && edits.length === 0) throw new ProtocolError('model_output_invalid', 'the answer contains no file sections');
  // A file written twice is a revision, as it would be in an editor: the last version wins.
  const byPath = new Map(files.map((f) => [f.path, f]));
  return { summary, files: [...byPath.values()], edits };
}
