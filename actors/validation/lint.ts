import ts from 'typescript';
import type { ValidationFailure } from '../../proto/index.js';
import { stageResult } from './stage-result.js';
import { isScript, isTestFile, type WorkspaceFile } from './workspace-files.js';
import type { StageResult } from '../../proto/index.js';

interface Finding {
  file: string;
  line: number;
  rule: string;
  message: string;
  error: boolean;
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/i.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/i.test(path)) return ts.ScriptKind.JSX;
  return /\.(m|c)?js$/i.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

export function parseSource(file: WorkspaceFile): ts.SourceFile {
  return ts.createSourceFile(file.path, file.content, ts.ScriptTarget.Latest, true, scriptKind(file.path));
}

export function lineOf(source: ts.SourceFile, node: ts.Node): number {
  return source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
}

/**
 * A linter that needs no node_modules in the generated project: rules over the
 * TypeScript syntax tree. Errors are mistakes that never belong in shipped
 * code; the rest are warnings that do not fail the stage.
 */
function lintFile(file: WorkspaceFile): Finding[] {
  const source = parseSource(file);
  const findings: Finding[] = [];
  const add = (node: ts.Node, rule: string, message: string, error: boolean) =>
    findings.push({ file: file.path, line: lineOf(source, node), rule, message, error });
  const test = isTestFile(file.path);
  const visit = (node: ts.Node): void => {
    if (ts.isDebuggerStatement(node)) add(node, 'no-debugger', 'debugger statement left in the code', true);
    if (ts.isObjectLiteralExpression(node)) {
      const seen = new Set<string>();
      for (const prop of node.properties) {
        if (!ts.isPropertyAssignment(prop) || !prop.name || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name))) continue;
        if (seen.has(prop.name.text)) add(prop, 'no-dupe-keys', `duplicate key "${prop.name.text}" in an object literal`, true);
        seen.add(prop.name.text);
      }
    }
    if (ts.isBinaryExpression(node)) {
      const op = node.operatorToken.kind;
      const loose = op === ts.SyntaxKind.EqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
      const withNull = node.right.kind === ts.SyntaxKind.NullKeyword || node.left.kind === ts.SyntaxKind.NullKeyword;
      if (loose && !withNull) add(node, 'eqeqeq', 'use === or !== instead of a loose comparison', false);
    }
    if (ts.isCatchClause(node) && node.block.statements.length === 0) {
      add(node, 'no-empty-catch', 'an empty catch block swallows the error', false);
    }
    if (ts.isVariableDeclarationList(node) && (node.flags & ts.NodeFlags.BlockScoped) === 0 && !ts.isForInStatement(node.parent)) {
      add(node, 'no-var', 'use let or const instead of var', false);
    }
    if (
      !test &&
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'console' &&
      node.expression.name.text === 'log'
    ) {
      add(node, 'no-console-log', 'console.log in application code; use a logger', false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

export function runLint(files: readonly WorkspaceFile[]): StageResult {
  const started = Date.now();
  const scripts = files.filter((f) => isScript(f.path));
  const findings = scripts.flatMap(lintFile);
  const failures: ValidationFailure[] = findings
    .filter((f) => f.error)
    .map((f) => ({ stage: 'lint', file: f.file, line: f.line, message: `${f.rule}: ${f.message}`, logExcerpt: `${f.file}:${f.line} ${f.rule}` }));
  const warnings = findings.filter((f) => !f.error).map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`);
  return stageResult('lint', started, {
    summary: `${scripts.length} file(s) linted: ${failures.length} error(s), ${warnings.length} warning(s)`,
    failures,
    warnings: warnings.slice(0, 50),
    metrics: { files: scripts.length, errors: failures.length, warnings: warnings.length },
  });
}
