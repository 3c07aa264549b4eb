import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../proto/index.js';
import { fileSectionsGrammar, parseFileSections } from './file-sections.js';
import { assertSafeRelativePath, MAX_PATH_CHARS, MAX_PATH_DEPTH } from './safe-path.js';

/** Runs `fn`, expecting a ProtocolError; returns it so the test can look closer. */
function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    return error as ProtocolError;
  }
  throw new Error('expected a ProtocolError, nothing was thrown');
}

describe('parseFileSections: edit blocks', () => {
  it('parses search/replace edits beside whole files, in order', () => {
    const text = [
      '@@@ SUMMARY fix the port',
      '@@@ EDIT src/server.ts',
      '@@@ SEARCH',
      'export const port = 8080;',
      '@@@ REPLACE',
      'export const port = Number(process.env.PORT ?? 8080);',
      '@@@ END',
      '@@@ EDIT src/server.ts',
      '@@@ SEARCH',
      '// TODO',
      '@@@ REPLACE',
      '@@@ END',
      '@@@ FILE README.md',
      '# app',
      '@@@ END',
    ].join('\n');
    expect(parseFileSections(text)).toEqual({
      summary: 'fix the port',
      files: [{ path: 'README.md', content: '# app\n' }],
      edits: [
        { path: 'src/server.ts', search: 'export const port = 8080;\n', replace: 'export const port = Number(process.env.PORT ?? 8080);\n' },
        { path: 'src/server.ts', search: '// TODO\n', replace: '' },
      ],
    });
  });

  it('refuses an edit without SEARCH, with an empty SEARCH, without REPLACE, or unclosed', () => {
    const cases = [
      ['@@@ EDIT a.ts', 'x', '@@@ END'],
      ['@@@ EDIT a.ts', '@@@ SEARCH', '@@@ REPLACE', 'y', '@@@ END'],
      ['@@@ EDIT a.ts', '@@@ SEARCH', 'x', '@@@ END'],
      ['@@@ EDIT a.ts', '@@@ SEARCH', 'x', '@@@ REPLACE', 'y'],
      ['@@@ EDIT ../a.ts', '@@@ SEARCH', 'x', '@@@ REPLACE', '@@@ END'],
    ];
    for (const lines of cases) expect(protocolError(() => parseFileSections(['@@@ SUMMARY s', ...lines].join('\n'))).code).toBe('model_output_invalid');
  });

  it('the grammar offers EDIT blocks beside FILE blocks to fix tasks only', () => {
    const limits = { maxFiles: 3, maxLinesPerFile: 10, maxLineChars: 80, maxSummaryChars: 40 };
    expect(fileSectionsGrammar(limits, { edits: true })).toContain('block ::= file | edit');
    // Tasks other than fixes write whole files only.
    expect(fileSectionsGrammar(limits)).toMatch(/^block ::= file$/m);
  });
});

describe('parseFileSections', () => {
  it('parses the summary and several files', () => {
    const text = [
      '@@@ SUMMARY  Adds a server and its test  ',
      '@@@ FILE src/server.ts',
      "import http from 'node:http';",
      '',
      'export const port = 8080;',
      '@@@ END',
      '@@@ FILE test/server.test.ts',
      "it('works', () => {});",
      '@@@ END',
      '@@@ FILE empty.txt',
      '@@@ END',
      '',
    ].join('\n');
    expect(parseFileSections(text)).toEqual({
      summary: 'Adds a server and its test',
      files: [
        { path: 'src/server.ts', content: "import http from 'node:http';\n\nexport const port = 8080;\n" },
        { path: 'test/server.test.ts', content: "it('works', () => {});\n" },
        { path: 'empty.txt', content: '' },
      ],
      edits: [],
    });
  });

  it('keeps content lines that start with @ or @@', () => {
    const text = ['@@@ SUMMARY s', '@@@ FILE a.py', '@decorator', '@@ -1,2 +1,2 @@', '@', '@@', '@@@ END'].join('\n');
    expect(parseFileSections(text).files).toEqual([{ path: 'a.py', content: '@decorator\n@@ -1,2 +1,2 @@\n@\n@@\n' }]);
  });

  it('keeps the last version of a file written twice', () => {
    const text = [
      '@@@ SUMMARY s',
      '@@@ FILE a.txt',
      'first',
      '@@@ END',
      '@@@ FILE b.txt',
      'b',
      '@@@ END',
      '@@@ FILE a.txt',
      'second',
      '@@@ END',
    ].join('\n');
    const { files } = parseFileSections(text);
    expect(files).toHaveLength(2);
    expect(files.find((f) => f.path === 'a.txt')?.content).toBe('second\n');
    expect(files.find((f) => f.path === 'b.txt')?.content).toBe('b\n');
  });

  it('tolerates a missing summary and text outside sections', () => {
    const parsed = parseFileSections(['Sure! Here it is:', '@@@ FILE a.txt', 'x', '@@@ END', 'Done.'].join('\n'));
    expect(parsed).toEqual({ summary: '', files: [{ path: 'a.txt', content: 'x\n' }], edits: [] });
  });

  it('rejects an unclosed section', () => {
    const error = protocolError(() => parseFileSections(['@@@ SUMMARY s', '@@@ FILE a.txt', 'x'].join('\n')));
    expect(error.code).toBe('model_output_invalid');
    expect(error.message).toContain('a.txt');
  });

  it('rejects an answer without file sections', () => {
    expect(protocolError(() => parseFileSections('@@@ SUMMARY nothing to do\n')).code).toBe('model_output_invalid');
    expect(protocolError(() => parseFileSections('')).code).toBe('model_output_invalid');
  });

  it('rejects an unsafe path in a file header', () => {
    const error = protocolError(() => parseFileSections(['@@@ FILE ../escape.txt', 'x', '@@@ END'].join('\n')));
    expect(error.code).toBe('model_output_invalid');
    expect(error.message).toContain('../escape.txt');
  });
});

describe('assertSafeRelativePath', () => {
  it.each(['a.txt', 'src/index.ts', 'a/b/c/d.e.f', '_x/y.d/z', 'Makefile', 'x-y_z.9', '.gitignore', '.env.example', '.github/workflows/ci.yml'])('accepts %j', (path) => {
    expect(assertSafeRelativePath(path)).toBe(path);
  });

  it.each([
    '',
    '../x',
    './x',
    'a/./b',
    '/etc/passwd',
    'a/../../b',
    '..',
    '.git/config',
    'src/.git/hooks/pre-commit',
    '.GIT/config',
    'a\\b',
    'C:\\windows',
    'my file.txt',
    'src/ a.ts',
    'café.txt',
    'ファイル.ts',
    'a//b',
    'a/',
    'a*b',
    '-flag',
  ])('rejects %j', (path) => {
    expect(protocolError(() => assertSafeRelativePath(path)).code).toBe('model_output_invalid');
  });

  it('rejects paths that are too long or too deep', () => {
    expect(() => assertSafeRelativePath('a'.repeat(MAX_PATH_CHARS + 1))).toThrow(ProtocolError);
    expect(assertSafeRelativePath('a'.repeat(MAX_PATH_CHARS))).toHaveLength(MAX_PATH_CHARS);
    const deep = Array.from({ length: MAX_PATH_DEPTH + 1 }, () => 'd').join('/');
    expect(() => assertSafeRelativePath(deep)).toThrow(ProtocolError);
    expect(() => assertSafeRelativePath(deep.slice(2))).not.toThrow();
  });
});

describe('fileSectionsGrammar', () => {
  it('writes the configured bounds into the grammar', () => {
    const grammar = fileSectionsGrammar({ maxFiles: 7, maxLinesPerFile: 123, maxLineChars: 90, maxSummaryChars: 55 });
    expect(grammar).toMatch(/^root ::= summary block\{1,7\}$/m);
    expect(grammar).toContain('[^\\n]{1,55}');
    expect(grammar).toContain('line{0,123}');
    expect(grammar).toContain('[^\\n]{0,89}');
    expect(grammar).toContain('"@@@ END\\n"');
  });

  it('keeps the line bound positive for tiny limits', () => {
    const grammar = fileSectionsGrammar({ maxFiles: 1, maxLinesPerFile: 1, maxLineChars: 1, maxSummaryChars: 1 });
    expect(grammar).toContain('[^\\n]{0,1}');
    expect(grammar).not.toContain('{0,0}');
  });
});
