import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/**
 * Builds the web view (web/) into dist/web: type-checks it with the DOM
 * library against proto/'s types, and writes one ES module per source file,
 * plus index.html and style.css. No bundler and no package code: the page
 * imports only its own modules (proto/ is imported for types only, which
 * vanish), so the browser loads exactly these files from the daemon.
 */
const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), basename(resolve(dirname(fileURLToPath(import.meta.url)), '..')) === 'dist' ? '../..' : '..');
const STATIC_FILES = ['index.html', 'style.css'];

export interface WebBuild {
  outDir: string;
  files: Array<{ name: string; bytes: number }>;
  totalBytes: number;
}

export function buildWeb(root: string = REPO_ROOT): WebBuild {
  const webDir = join(root, 'web');
  const outDir = join(root, 'dist', 'web');
  const configPath = join(webDir, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, webDir, undefined, configPath);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) {
    const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
    throw new Error(`web/ does not type-check:\n${ts.formatDiagnostics(diagnostics, host)}`);
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  // Only web/'s own modules are written; proto/ is in the program for its types alone.
  program.emit(undefined, (fileName, text) => {
    const source = relative(join(root, 'dist', 'web-unused'), fileName);
    if (!source.startsWith(`web/`) || !fileName.endsWith('.js')) return;
    writeFileSync(join(outDir, basename(fileName)), text);
  });
  for (const name of STATIC_FILES) copyFileSync(join(webDir, name), join(outDir, name));
  const files = readdirSync(outDir)
    .sort()
    .map((name) => ({ name, bytes: statSync(join(outDir, name)).size }));
  return { outDir, files, totalBytes: files.reduce((sum, f) => sum + f.bytes, 0) };
}

function main(): void {
  const build = buildWeb();
  const js = build.files.filter((f) => f.name.endsWith('.js')).reduce((sum, f) => sum + f.bytes, 0);
  process.stderr.write(`[build-web] ${build.files.length} files, ${build.totalBytes} bytes (${js} of JavaScript) in ${relative(process.cwd(), build.outDir) || '.'}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
