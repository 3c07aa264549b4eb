import ts from 'typescript';
import type { Chunk, ChunkSizes } from './chunk.js';
import { packUnits, type Unit } from './pack.js';

const SCRIPT_KINDS: Record<string, ts.ScriptKind> = {
  '.ts': ts.ScriptKind.TS,
  '.mts': ts.ScriptKind.TS,
  '.cts': ts.ScriptKind.TS,
  '.tsx': ts.ScriptKind.TSX,
  '.js': ts.ScriptKind.JS,
  '.mjs': ts.ScriptKind.JS,
  '.cjs': ts.ScriptKind.JS,
  '.jsx': ts.ScriptKind.JSX,
};

export function isCodePath(path: string): boolean {
  return extensionOf(path) in SCRIPT_KINDS;
}

function extensionOf(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot < 0 ? '' : path.slice(dot).toLowerCase();
}

/**
 * TypeScript and JavaScript split per top-level declaration, found by the
 * TypeScript parser: a regular expression cannot tell a function from a
 * string that looks like one. Leading comments stay with their declaration.
 */
export function chunkCode(path: string, text: string, sizes: ChunkSizes): Chunk[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, SCRIPT_KINDS[extensionOf(path)] ?? ts.ScriptKind.TS);
  const units: Unit[] = source.statements.map((statement) => {
    const start = statement.getFullStart();
    const end = statement.getEnd();
    return {
      text: text.slice(start, end).replace(/^\s*\n/, ''),
      name: declarationName(statement),
      startLine: source.getLineAndCharacterOfPosition(statement.getStart(source)).line + 1,
      endLine: source.getLineAndCharacterOfPosition(end).line + 1,
    };
  });
  return packUnits(units, sizes);
}

/** `function createUser`, `class TodoStore`, `const router`; null for imports and bare statements. */
export function declarationName(statement: ts.Statement): string | null {
  if (ts.isFunctionDeclaration(statement) && statement.name) return `function ${statement.name.text}`;
  if (ts.isClassDeclaration(statement) && statement.name) return `class ${statement.name.text}`;
  if (ts.isInterfaceDeclaration(statement)) return `interface ${statement.name.text}`;
  if (ts.isTypeAliasDeclaration(statement)) return `type ${statement.name.text}`;
  if (ts.isEnumDeclaration(statement)) return `enum ${statement.name.text}`;
  if (ts.isModuleDeclaration(statement)) return `namespace ${statement.name.getText()}`;
  if (ts.isVariableStatement(statement)) {
    const names = statement.declarationList.declarations
      .map((d) => (ts.isIdentifier(d.name) ? d.name.text : null))
      .filter((n): n is string => n !== null);
    return names.length ? `const ${names.join(', ')}` : null;
  }
  if (ts.isExportAssignment(statement)) return 'export default';
  return null;
}
