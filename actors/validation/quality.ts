import ts from 'typescript';
import type { StageResult } from '../../proto/index.js';
import { parseSource } from './lint.js';
import { stageResult } from './stage-result.js';
import { isScript, isTestFile, type WorkspaceFile } from './workspace-files.js';

const LONG_FUNCTION_LINES = 80;
const COMPLEX_FUNCTION = 15;

/** Decision points of one function body, the usual cyclomatic approximation. */
function complexity(node: ts.Node): number {
  let n = 1;
  const visit = (child: ts.Node): void => {
    if (ts.isFunctionLike(child) && child !== node) return;
    if (
      ts.isIfStatement(child) || ts.isConditionalExpression(child) || ts.isForStatement(child) || ts.isForInStatement(child) ||
      ts.isForOfStatement(child) || ts.isWhileStatement(child) || ts.isDoStatement(child) || ts.isCaseClause(child) || ts.isCatchClause(child)
    ) n++;
    if (ts.isBinaryExpression(child) && [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(child.operatorToken.kind)) n++;
    ts.forEachChild(child, visit);
  };
  ts.forEachChild(node, visit);
  return n;
}

/**
 * A summary of the code's shape: size, test share, long or complex functions,
 * TODOs. It informs people and later prompts; it never fails the pipeline.
 */
export function runQuality(files: readonly WorkspaceFile[]): StageResult {
  const started = Date.now();
  const scripts = files.filter((f) => isScript(f.path));
  const tests = scripts.filter((f) => isTestFile(f.path));
  const lines = (f: WorkspaceFile) => f.content.split('\n').filter((l) => l.trim().length > 0).length;
  const sourceLines = scripts.filter((f) => !isTestFile(f.path)).reduce((n, f) => n + lines(f), 0);
  const testLines = tests.reduce((n, f) => n + lines(f), 0);
  const warnings: string[] = [];
  let functions = 0;
  let maxComplexity = 0;
  let todos = 0;
  for (const file of scripts) {
    todos += (file.content.match(/\b(TODO|FIXME|XXX)\b/g) ?? []).length;
    const source = parseSource(file);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        functions++;
        const c = complexity(node);
        maxComplexity = Math.max(maxComplexity, c);
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        if (end - start > LONG_FUNCTION_LINES) warnings.push(`${file.path}:${start + 1} a function of ${end - start} lines`);
        if (c > COMPLEX_FUNCTION) warnings.push(`${file.path}:${start + 1} a function of cyclomatic complexity ${c}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  const ratio = sourceLines === 0 ? 0 : testLines / sourceLines;
  return stageResult('quality', started, {
    summary: `${scripts.length} script(s), ${sourceLines} source and ${testLines} test line(s) (ratio ${ratio.toFixed(2)}), ${functions} function(s), max complexity ${maxComplexity}, ${todos} TODO(s)`,
    warnings: warnings.slice(0, 30),
    metrics: { files: scripts.length, sourceLines, testLines, testRatio: Number(ratio.toFixed(3)), functions, maxComplexity, todos },
  });
}
