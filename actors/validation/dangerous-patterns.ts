import ts from 'typescript';
import type { ValidationFailure } from '../../proto/index.js';
import { lineOf, parseSource } from './lint.js';
import { isScript, type WorkspaceFile } from './workspace-files.js';

const CHILD_PROCESS = new Set(['child_process', 'node:child_process']);
/** These run their first argument through a shell. */
const SHELL_CALLS = new Set(['exec', 'execSync']);
const SPAWN_CALLS = new Set(['spawn', 'spawnSync', 'execFile', 'execFileSync']);
const SQL_RE = /^\s*(select\b[\s\S]*\bfrom\b|insert\s+into\b|update\b[\s\S]*\bset\b|delete\s+from\b|drop\s+(table|database)\b)/i;

function isLiteral(node: ts.Node | undefined): boolean {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node));
}

function moduleOf(node: ts.Expression | undefined): string | null {
  if (node && ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'require') {
    const arg = node.arguments[0];
    return arg && ts.isStringLiteral(arg) ? arg.text : null;
  }
  return null;
}

/** Names bound to child_process: the module object, and functions taken from it. */
function childProcessBindings(source: ts.SourceFile): { modules: Set<string>; functions: Map<string, string> } {
  const modules = new Set<string>();
  const functions = new Map<string, string>();
  const bindNamed = (elements: readonly (ts.ImportSpecifier | ts.BindingElement)[]) => {
    for (const e of elements) {
      const imported = (e.propertyName && ts.isIdentifier(e.propertyName) ? e.propertyName.text : null) ?? (ts.isIdentifier(e.name) ? e.name.text : null);
      if (imported && ts.isIdentifier(e.name)) functions.set(e.name.text, imported);
    }
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && CHILD_PROCESS.has(node.moduleSpecifier.text)) {
      const clause = node.importClause;
      if (clause?.name) modules.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) modules.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) bindNamed(bindings.elements);
    }
    if (ts.isVariableDeclaration(node) && CHILD_PROCESS.has(moduleOf(node.initializer) ?? '')) {
      if (ts.isIdentifier(node.name)) modules.add(node.name.text);
      else if (ts.isObjectBindingPattern(node.name)) bindNamed(node.name.elements);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { modules, functions };
}

function childProcessCall(call: ts.CallExpression, bindings: ReturnType<typeof childProcessBindings>): string | null {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return bindings.functions.get(callee.text) ?? null;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && bindings.modules.has(callee.expression.text)) return callee.name.text;
  return null;
}

function hasShellOption(call: ts.CallExpression): boolean {
  return call.arguments.some(
    (arg) =>
      ts.isObjectLiteralExpression(arg) &&
      arg.properties.some((p) => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'shell' && p.initializer.kind !== ts.SyntaxKind.FalseKeyword),
  );
}

/** The leftmost string literal of a `+` chain, when the chain mixes literals with values. */
function concatenatedSql(node: ts.BinaryExpression): string | null {
  const parts: ts.Expression[] = [];
  const flatten = (e: ts.Expression): void => {
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.PlusToken) {
      flatten(e.left);
      flatten(e.right);
    } else parts.push(ts.isParenthesizedExpression(e) ? e.expression : e);
  };
  flatten(node);
  const first = parts[0];
  if (!first || !isLiteral(first) || parts.every(isLiteral)) return null;
  return (first as ts.StringLiteral).text;
}

/**
 * Code that runs strings as code, hands unchecked values to a shell, or builds
 * SQL from values, found on the syntax tree (so comments and strings that
 * merely mention eval do not count).
 */
export function findDangerousPatterns(files: readonly WorkspaceFile[]): ValidationFailure[] {
  const failures: ValidationFailure[] = [];
  for (const file of files.filter((f) => isScript(f.path))) {
    const source = parseSource(file);
    const bindings = childProcessBindings(source);
    const add = (node: ts.Node, message: string) => {
      const line = lineOf(source, node);
      const text = node.getText(source).replace(/\s+/g, ' ').slice(0, 160);
      failures.push({ stage: 'security', file: file.path, line, message, logExcerpt: `${file.path}:${line} ${text}` });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'eval') {
        add(node, 'eval() runs a string as code; parse the data instead');
      }
      if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'Function') {
        add(node, 'the Function constructor runs a string as code; write the function instead');
      }
      if (ts.isCallExpression(node)) {
        const fn = childProcessCall(node, bindings);
        if (fn && SHELL_CALLS.has(fn) && !isLiteral(node.arguments[0])) {
          add(node, `child_process.${fn}() runs a computed string through a shell (command injection); use execFile with an argument array`);
        }
        if (fn && SPAWN_CALLS.has(fn) && hasShellOption(node) && !(isLiteral(node.arguments[0]) && node.arguments.length === 1)) {
          add(node, `child_process.${fn}() with shell: true and computed arguments (command injection); drop the shell option`);
        }
      }
      if (ts.isTemplateExpression(node) && !ts.isTaggedTemplateExpression(node.parent) && SQL_RE.test(node.head.text)) {
        add(node, 'SQL built from a template with interpolated values (SQL injection); use placeholders and pass the values as parameters');
      }
      if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.PlusToken && !(ts.isBinaryExpression(node.parent) && node.parent.operatorToken.kind === ts.SyntaxKind.PlusToken)) {
        const sql = concatenatedSql(node);
        if (sql !== null && SQL_RE.test(sql)) add(node, 'SQL built by string concatenation (SQL injection); use placeholders and pass the values as parameters');
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return failures;
}
