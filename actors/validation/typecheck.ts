import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import type { StageResult, ValidationFailure } from '../../proto/index.js';
import { unverifiedStage, stageResult } from './stage-result.js';
import type { WorkspaceFile } from './workspace-files.js';

const require = createRequire(import.meta.url);
/** The daemon's own TypeScript libs and Node types stand in for the project's missing node_modules. */
const TS_LIB_DIR = dirname(require.resolve('typescript/lib/lib.d.ts'));
const DAEMON_TYPE_ROOTS = resolve(dirname(require.resolve('@types/node/package.json')), '..');

/** Diagnostics that only say a dependency is not installed; they are reported as warnings, not failures. */
const MISSING_DEPENDENCY_CODES = new Set([2307, 7016, 2875, 7026, 2503]);

function isTsFile(path: string): boolean {
  return /\.(m|c)?tsx?$/i.test(path) && !/\.d\.(m|c)?ts$/i.test(path);
}

function compilerOptions(root: string, hasNodeModules: boolean): { options: ts.CompilerOptions; errors: string[] } {
  const defaults: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    jsx: ts.JsxEmit.ReactJSX,
    strict: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    allowImportingTsExtensions: true,
  };
  const configPath = join(root, 'tsconfig.json');
  let options = defaults;
  const errors: string[] = [];
  if (existsSync(configPath)) {
    const read = ts.readConfigFile(configPath, ts.sys.readFile);
    if (read.error) errors.push(`tsconfig.json: ${ts.flattenDiagnosticMessageText(read.error.messageText, ' ')}`);
    // Named, so that TypeScript looks for type roots (node_modules/@types) from the project's folder.
    else options = { ...defaults, ...ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath).options };
  }
  // A type check never writes: the checked project may have no dist/ to write to.
  options = { ...options, noEmit: true, skipLibCheck: true, incremental: false, composite: false, declaration: false };
  if (!hasNodeModules) options = { ...options, typeRoots: [DAEMON_TYPE_ROOTS], types: ['node'] };
  return { options, errors };
}

/**
 * Parsed lib and @types files, shared by every type check in this process:
 * they never change while the daemon runs, and parsing them is most of a
 * small project's check. Keyed by path and language version.
 */
const sharedSources = new Map<string, ts.SourceFile>();
function isShared(path: string): boolean {
  const full = resolve(path);
  return full.startsWith(TS_LIB_DIR + sep) || full.startsWith(DAEMON_TYPE_ROOTS + sep);
}

/** The compiler may read only the project, its node_modules, and the daemon's lib and @types. */
function confinedHost(options: ts.CompilerOptions, root: string, allowed: readonly string[]): ts.CompilerHost {
  const host = ts.createCompilerHost(options, true);
  // Relative paths and the default type roots start here: never at the daemon's own working directory, whose
  // node_modules/@types would stand in for the project's and make the verdict depend on where autodevd started.
  host.getCurrentDirectory = () => root;
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!isShared(fileName)) return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    const key = `${typeof languageVersion === 'object' ? JSON.stringify(languageVersion) : languageVersion}:${resolve(fileName)}`;
    let source = sharedSources.get(key);
    if (!source) {
      source = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (source) sharedSources.set(key, source);
    }
    return source;
  };
  const inside = (path: string) => {
    const full = resolve(path);
    return allowed.some((root) => full === root || full.startsWith(root + sep));
  };
  host.fileExists = (path) => inside(path) && ts.sys.fileExists(path);
  host.readFile = (path) => (inside(path) ? ts.sys.readFile(path) : undefined);
  host.directoryExists = (path) => inside(path) && ts.sys.directoryExists(path);
  host.getDefaultLibLocation = () => TS_LIB_DIR;
  return host;
}

/**
 * `tsc --noEmit`, through the TypeScript API in this process: it only reads
 * code, never runs it, so it needs no sandbox, and it needs no TypeScript
 * installed in the generated project.
 */
export function runTypecheck(root: string, files: readonly WorkspaceFile[]): StageResult {
  const started = Date.now();
  const tsFiles = files.filter((f) => isTsFile(f.path));
  if (tsFiles.length === 0) return unverifiedStage('typecheck', started, 'no TypeScript files');
  const absRoot = resolve(root);
  const hasNodeModules = existsSync(join(absRoot, 'node_modules'));
  const { options, errors } = compilerOptions(absRoot, hasNodeModules);
  const host = confinedHost(options, absRoot, [absRoot, TS_LIB_DIR, DAEMON_TYPE_ROOTS]);
  const program = ts.createProgram({ rootNames: tsFiles.map((f) => join(absRoot, f.path)), options, host });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const failures: ValidationFailure[] = [];
  const warnings: string[] = errors.map((e) => e);
  for (const d of diagnostics) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const file = d.file ? relative(absRoot, d.file.fileName).split(sep).join('/') : null;
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : null;
    const where = `${file ?? '(project)'}${line ? `:${line}` : ''}`;
    if (!hasNodeModules && MISSING_DEPENDENCY_CODES.has(d.code)) {
      warnings.push(`${where} TS${d.code}: ${message} (dependencies are not installed)`);
      continue;
    }
    const sourceLine = d.file && line ? (d.file.text.split('\n')[line - 1] ?? '').trim() : '';
    failures.push({ stage: 'typecheck', file, line, message: `TS${d.code}: ${message}`, logExcerpt: `${where} error TS${d.code}: ${message}\n  ${sourceLine}` });
  }
  return stageResult('typecheck', started, {
    summary: `${tsFiles.length} file(s) type-checked: ${failures.length} error(s)${warnings.length ? `, ${warnings.length} note(s)` : ''}`,
    failures: failures.slice(0, 50),
    warnings: warnings.slice(0, 50),
    metrics: { files: tsFiles.length, errors: failures.length },
  });
}
