import type { StageResult } from '../../proto/index.js';
import { runTypecheck } from './typecheck.js';
import { isScript, isTestFile, readWorkspaceFiles, type WorkspaceFile } from './workspace-files.js';

/**
 * What the app's tree shows about its stack, read once per integration
 * round, before any of the app's code runs in that tree: its files, the
 * dependencies package.json declares, the packages its code imports, and
 * (for a TypeScript job) the type check.
 */
export interface StackFindings {
  files: readonly WorkspaceFile[];
  /** dependencies, devDependencies, optionalDependencies and peerDependencies together. */
  dependencies: ReadonlySet<string>;
  /** Why package.json could not be read, or null. */
  manifestProblem: string | null;
  scripts: Readonly<Record<string, string>>;
  /** Packages (and node: builtins) the app's own code imports, tests apart. */
  sourceImports: ReadonlySet<string>;
  testImports: ReadonlySet<string>;
  /** `tsc --noEmit` on the tree (see typecheck.ts); null when not asked for. */
  typecheck: StageResult | null;
}

const IMPORT_RES = [
  /\bfrom\s*['"]([^'"\n]+)['"]/g,
  /\bimport\s*['"]([^'"\n]+)['"]/g,
  /\bimport\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
  /\brequire\s*\(\s*['"]([^'"\n]+)['"]\s*\)/g,
];

/** The package a specifier names: `hono/cors` is hono, `@hono/node-server/x` is @hono/node-server; relative paths name none. */
export function packageOf(specifier: string): string | null {
  if (specifier.startsWith('.') || specifier.startsWith('/')) return null;
  if (specifier.startsWith('node:')) return specifier;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? null);
}

export function importsOf(content: string): string[] {
  const found = new Set<string>();
  for (const re of IMPORT_RES) for (const match of content.matchAll(re)) {
    const name = packageOf(match[1] ?? '');
    if (name) found.add(name);
  }
  return [...found];
}

function readManifest(files: readonly WorkspaceFile[]): { dependencies: Set<string>; scripts: Record<string, string>; problem: string | null } {
  const file = files.find((f) => f.path === 'package.json');
  if (!file) return { dependencies: new Set(), scripts: {}, problem: 'the app has no package.json' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.content);
  } catch (error) {
    return { dependencies: new Set(), scripts: {}, problem: `package.json is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { dependencies: new Set(), scripts: {}, problem: 'package.json is not a JSON object' };
  const manifest: Record<string, unknown> = { ...parsed };
  const dependencies = new Set<string>();
  for (const key of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']) {
    const deps = manifest[key];
    if (typeof deps === 'object' && deps !== null) for (const name of Object.keys(deps)) dependencies.add(name);
  }
  const raw = manifest.scripts;
  const scripts = typeof raw === 'object' && raw !== null ? Object.fromEntries(Object.entries(raw).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
  return { dependencies, scripts, problem: null };
}

/**
 * Reads the tree at `root`. `typecheck` runs the in-process type check
 * (no sandbox: it only reads code); with node_modules in the tree, the
 * dependencies' types take part, as in a user's `tsc --noEmit`.
 */
export async function readStackFindings(root: string, options: { typecheck: boolean }): Promise<StackFindings> {
  const files = await readWorkspaceFiles(root);
  const manifest = readManifest(files);
  const sourceImports = new Set<string>();
  const testImports = new Set<string>();
  for (const file of files) {
    if (!isScript(file.path)) continue;
    const into = isTestFile(file.path) ? testImports : sourceImports;
    for (const name of importsOf(file.content)) into.add(name);
  }
  return {
    files,
    dependencies: manifest.dependencies,
    manifestProblem: manifest.problem,
    scripts: manifest.scripts,
    sourceImports,
    testImports,
    typecheck: options.typecheck ? runTypecheck(root, files) : null,
  };
}
