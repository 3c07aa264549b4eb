import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The CLI is a thin client: it speaks proto/ to the daemon's API and owns no
 * adapter. A value import from daemon/ or actors/ would pull the daemon's
 * machinery (and its start-up cost) into every command, so only these are allowed:
 * cli/ itself, proto/, node: and npm packages, and `import type` of the API's
 * route types (daemon/api/app.ts), which vanishes at compile time.
 */
const CLI_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = dirname(CLI_DIR);
const TYPE_ONLY_ALLOWED = new Set(['daemon/api/app.ts']);

/**
 * Commands not yet moved behind the daemon's API, by file and the module they
 * import. This list may only shrink: an entry that no longer matches fails the
 * test too, so whoever converts a command deletes its line.
 */
const KNOWN_EXCEPTIONS: ReadonlyMap<string, readonly string[]> = new Map([
  ['cli/commands/result.ts', ['actors/fs/safe-write.ts']],
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface Import {
  specifier: string;
  typeOnly: boolean;
}

/** Static imports, re-exports and dynamic `import('…')`, read with the compiler's parser, not a regex. */
function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.importClause?.isTypeOnly === true });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      found.push({ specifier: arg && ts.isStringLiteral(arg) ? arg.text : '<computed>', typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Each file's imports that leave cli/, proto/ and packages, as repo paths (.js specifiers name .ts sources). */
function violations(): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const file of sourceFiles(CLI_DIR)) {
    const bad = importsOf(file).flatMap(({ specifier, typeOnly }) => {
      if (specifier === '<computed>') return [specifier];
      if (!specifier.startsWith('.')) return []; // node: built-ins and npm packages
      const target = relative(REPO_ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
      if (target.startsWith('cli/') || target.startsWith('proto/')) return [];
      if (typeOnly && TYPE_ONLY_ALLOWED.has(target)) return [];
      return [target];
    });
    if (bad.length > 0) result.set(relative(REPO_ROOT, file), bad);
  }
  return result;
}

describe('the CLI imports only cli/, proto/, packages and the API types', () => {
  it('has no value import from daemon/ or actors/ beyond the known, shrinking exceptions', () => {
    const found = violations();
    const unexpected = [...found].flatMap(([file, targets]) => targets.filter((t) => !KNOWN_EXCEPTIONS.get(file)?.includes(t)).map((t) => `${file} -> ${t}`));
    expect(unexpected, 'route the command through the daemon API instead (daemon/api/*-routes.ts, proto/api.ts)').toEqual([]);
    const stale = [...KNOWN_EXCEPTIONS].flatMap(([file, targets]) => targets.filter((t) => !found.get(file)?.includes(t)).map((t) => `${file} -> ${t}`));
    expect(stale, 'these imports are gone: delete them from KNOWN_EXCEPTIONS').toEqual([]);
  });

  it('sees the imports it must see (guards against a parser that finds nothing)', () => {
    const specifiers = importsOf(join(CLI_DIR, 'client.ts'));
    expect(specifiers).toContainEqual({ specifier: '../daemon/api/app.js', typeOnly: true });
    expect(specifiers).toContainEqual({ specifier: './daemon-file.js', typeOnly: false });
  });
});

/**
 * The web view (web/) has the CLI's rules and one more: it runs in a browser
 * with no bundler, so it imports only its own modules, and proto/ for types
 * alone (`import type`, erased at build time). A value import of proto/
 * would pull zod into a page that cannot load it; any package import would
 * fail in the browser.
 */
describe('the web view imports only web/ and, for types, proto/', () => {
  const WEB_DIR = join(REPO_ROOT, 'web');

  function webViolations(): string[] {
    return sourceFiles(WEB_DIR).flatMap((file) =>
      importsOf(file).flatMap(({ specifier, typeOnly }) => {
        const where = `${relative(REPO_ROOT, file)} -> ${specifier}`;
        if (specifier === '<computed>' || !specifier.startsWith('.')) return [where];
        const target = relative(REPO_ROOT, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts');
        if (target.startsWith('web/')) return [];
        if (target.startsWith('proto/') && typeOnly) return [];
        return [where];
      }),
    );
  }

  it('has no package import, no value import of proto/ and nothing from daemon/, actors/ or cli/', () => {
    expect(webViolations(), 'the page talks to the daemon over HTTP only; import proto/ types with `import type`').toEqual([]);
  });

  it('sees the imports it must see', () => {
    expect(importsOf(join(WEB_DIR, 'api.ts'))).toContainEqual({ specifier: '../proto/job.js', typeOnly: true });
    expect(importsOf(join(WEB_DIR, 'app.ts'))).toContainEqual({ specifier: './dom.js', typeOnly: false });
  });
});
