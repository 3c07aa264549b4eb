import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Folders depend on each other in one direction only. A two-way pair means
 * neither folder can be read, tested or moved without the other, and it is
 * how import cycles start; `npx madge --circular` sees cycles of files only,
 * this sees the folders. A folder is `actors/<name>` (its subfolders
 * included: `validation/rules/` is validation's) or one of `daemon/`,
 * `machines/`, `proto/`. daemon/ counts as one folder: it is the composition
 * root, and its `api/` and `mcp/` are the root's own adapters that it wires.
 *
 * The order below validation, acceptance and integration (ARCHITECTURE.md,
 * "Layout"): sandbox-app ← acceptance ← validation ← integration ← master.
 */
const ACTORS_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = dirname(ACTORS_DIR);
const SCANNED = ['actors', 'daemon', 'machines', 'proto'];

/** Edges that would undo the order: `from` must never import `to`. */
const FORBIDDEN: ReadonlyArray<readonly [string, string]> = [
  ['actors/sandbox-app', 'actors/acceptance'],
  ['actors/sandbox-app', 'actors/validation'],
  ['actors/sandbox-app', 'actors/integration'],
  ['actors/acceptance', 'actors/validation'],
  ['actors/acceptance', 'actors/integration'],
  ['actors/validation', 'actors/integration'],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Relative specifiers of static imports (`import type` too: a type is a dependency), re-exports and dynamic `import('…')`. */
function relativeImportsOf(code: string, fileName = 'x.ts'): string[] {
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found.filter((specifier) => specifier.startsWith('.'));
}

function folderOf(repoPath: string): string {
  const [top = '', second, ...rest] = repoPath.split('/');
  return top === 'actors' && second !== undefined && rest.length > 0 ? `actors/${second}` : top;
}

/** `from -> to` folder edges, each with the `file -> target` imports behind it. */
type Edges = Map<string, string[]>;

function folderEdges(): Edges {
  const edges: Edges = new Map();
  for (const file of SCANNED.flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)))) {
    const from = relative(REPO_ROOT, file);
    for (const specifier of relativeImportsOf(readFileSync(file, 'utf8'), file)) {
      const to = relative(REPO_ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (folderOf(from) === folderOf(to)) continue;
      const key = `${folderOf(from)} -> ${folderOf(to)}`;
      edges.set(key, [...(edges.get(key) ?? []), `${from} -> ${to}`]);
    }
  }
  return edges;
}

/** Every pair of folders that import each other, named with the imports of both directions. */
function twoWayPairs(edges: Edges): string[] {
  return [...edges.keys()].sort().flatMap((key) => {
    const [a = '', b = ''] = key.split(' -> ');
    const back = edges.get(`${b} -> ${a}`);
    if (a > b || !back) return [];
    return [`${a} <-> ${b}:\n  ${[...(edges.get(key) ?? []), ...back].join('\n  ')}`];
  });
}

describe('folders under actors/ and daemon/ import in one direction', () => {
  const edges = folderEdges();

  it('has no two folders that import each other', () => {
    expect(twoWayPairs(edges), 'move what both need below both (see ARCHITECTURE.md, Layout), or pass it in as an option').toEqual([]);
  });

  it('keeps sandbox-app below acceptance, acceptance below validation, validation below integration', () => {
    const found = FORBIDDEN.flatMap(([from, to]) => edges.get(`${from} -> ${to}`) ?? []);
    expect(found, 'this import turns the order sandbox-app ← acceptance ← validation ← integration round').toEqual([]);
  });

  it('sees the imports that make the order (guards against a parser that finds nothing)', () => {
    expect(edges.get('actors/validation -> actors/acceptance')).toContain('actors/validation/rules/app-rules.ts -> actors/acceptance/app-runner.ts');
    expect(edges.get('actors/acceptance -> actors/sandbox-app')).toContain('actors/acceptance/app-runner.ts -> actors/sandbox-app/direct-script.ts');
    // A dynamic import counts: the engine loads the syntax check (and TypeScript) only when a job runs.
    expect(edges.get('actors/integration -> actors/validation')).toContain('actors/integration/engine.ts -> actors/validation/syntax-check.ts');
  });

  it('names both directions of a pair, type-only and dynamic imports included', () => {
    const tangled: Edges = new Map();
    const add = (file: string, code: string): void => {
      for (const specifier of relativeImportsOf(code)) {
        const to = join(dirname(file), specifier).replace(/\.js$/, '.ts');
        const key = `${folderOf(file)} -> ${folderOf(to)}`;
        tangled.set(key, [...(tangled.get(key) ?? []), `${file} -> ${to}`]);
      }
    };
    // The tangle this order replaced (issue 23).
    add('actors/acceptance/app-runner.ts', "import { directNodeArgv } from '../validation/direct-script.js';");
    add('actors/validation/task-validator.ts', "import type { DependencyCache } from '../acceptance/deps-cache.js';");
    add('actors/validation/syntax-check.ts', "import { hasConflictMarkers } from '../integration/conflict-markers.js';");
    add('actors/integration/engine.ts', "const { checkSyntax } = await import('../validation/syntax-check.js');");
    expect(twoWayPairs(tangled)).toEqual([
      'actors/acceptance <-> actors/validation:\n  actors/acceptance/app-runner.ts -> actors/validation/direct-script.ts\n  actors/validation/task-validator.ts -> actors/acceptance/deps-cache.ts',
      'actors/integration <-> actors/validation:\n  actors/integration/engine.ts -> actors/validation/syntax-check.ts\n  actors/validation/syntax-check.ts -> actors/integration/conflict-markers.ts',
    ]);
  });
});
