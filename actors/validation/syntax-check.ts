import ts from 'typescript';
import YAML from 'yaml';
import type { GeneratedFile, ValidationReport } from '../../proto/index.js';
import { hasConflictMarkers } from './conflict-markers.js';

const SCRIPT_EXTENSIONS = new Set(['ts', 'mts', 'cts', 'tsx', 'js', 'mjs', 'cjs', 'jsx']);

function extension(path: string): string {
  const dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? path.slice(dot + 1).toLowerCase() : '';
}

/** Syntax errors only (transpiling checks no types): nothing here runs the code, so no sandbox is needed. */
function scriptIssues(file: GeneratedFile): string[] {
  const { diagnostics = [] } = ts.transpileModule(file.content, {
    fileName: file.path,
    reportDiagnostics: true,
    compilerOptions: { jsx: ts.JsxEmit.Preserve, allowJs: true, target: ts.ScriptTarget.Latest },
  });
  return diagnostics.slice(0, 10).map((d) => {
    const position = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    const at = position ? `:${position.line + 1}:${position.character + 1}` : '';
    return `${file.path}${at} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

function jsonIssues(file: GeneratedFile): string[] {
  try {
    JSON.parse(file.content);
    return [];
  } catch (error) {
    return [`${file.path}: ${(error as Error).message}`];
  }
}

function yamlIssues(file: GeneratedFile): string[] {
  // Several documents in one file (`---`) are valid YAML: Kubernetes manifests are written that way.
  const errors = YAML.parseAllDocuments(file.content).flatMap((doc) => ('errors' in doc ? doc.errors : []));
  return errors.slice(0, 10).map((e) => {
    const at = e.linePos?.[0];
    return `${file.path}${at ? `:${at.line}:${at.col}` : ''} ${e.message.split('\n')[0]}`;
  });
}

/**
 * The first validation stage, run on the Master's side before a commit:
 * TypeScript and JavaScript through the TypeScript parser, JSON and YAML
 * through theirs. Files of other kinds pass.
 */
export function checkSyntax(files: readonly GeneratedFile[]): ValidationReport {
  const issues: string[] = [];
  for (const file of files) {
    if (hasConflictMarkers(file.content)) issues.push(`${file.path}: unresolved merge conflict markers`);
    const ext = extension(file.path);
    if (SCRIPT_EXTENSIONS.has(ext)) issues.push(...scriptIssues(file));
    else if (ext === 'json') issues.push(...jsonIssues(file));
    else if (ext === 'yml' || ext === 'yaml') issues.push(...yamlIssues(file));
  }
  return { passed: issues.length === 0, issues };
}
