import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * What the entry points load before they answer, read from the sources'
 * static imports (a dynamic `import()` is the way to defer a module, so it
 * is not followed). The packages below take 0.1 to 1 s each to import (5 to
 * 10 s together on a loaded machine) and are only needed once a job runs:
 * one that creeps back into these graphs slows every daemon start, so this
 * test names the import chain that brought it. scripts/bench/startup.ts
 * measures the same at run time.
 */
const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const HEAVY = [
  'typescript',
  '@secretlint/node',
  'node-llama-cpp',
  '@xenova/transformers',
  'dockerode',
  '@lancedb/lancedb',
  'apache-arrow',
  '@modelcontextprotocol/sdk',
  'better-sqlite3',
  '@readme/openapi-parser',
  'openapi-sampler',
  'turndown',
  'diff',
];

/** Value imports and re-exports; `import type` and type-only named imports vanish at compile time. */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const node of source.statements) {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const named = clause?.namedBindings && ts.isNamedImports(clause.namedBindings) ? clause.namedBindings.elements : null;
      const typeOnly = clause?.isTypeOnly === true || (clause !== undefined && !clause.name && named !== null && named.length > 0 && named.every((e) => e.isTypeOnly));
      if (!typeOnly) found.push(node.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier) && !node.isTypeOnly) {
      found.push(node.moduleSpecifier.text);
    }
  }
  return found;
}

/** Every npm package the entry reaches through static imports, each with the chain of files that reached it first. */
function packagesReached(entry: string): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    const chain = chains.get(file) ?? [file];
    for (const specifier of staticImports(join(REPO_ROOT, file))) {
      if (specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? specifier);
        if (!packages.has(name)) packages.set(name, chain);
        continue;
      }
      const target = relative(REPO_ROOT, resolve(dirname(join(REPO_ROOT, file)), specifier)).replace(/\.js$/, '.ts');
      if (chains.has(target) || !existsSync(join(REPO_ROOT, target))) continue;
      chains.set(target, [...chain, target]);
      queue.push(target);
    }
  }
  return packages;
}

const heavyIn = (reached: Map<string, string[]>) => HEAVY.filter((name) => reached.has(name)).map((name) => `${name} <- ${(reached.get(name) ?? []).join(' <- ')}`);

describe('what the entry points import before they answer', () => {
  it('autodevd --help: no npm package at all', () => {
    expect([...packagesReached('daemon/main.ts').keys()]).toEqual([]);
  });

  it('autodev --help: no npm package at all (each command loads when named)', () => {
    expect([...packagesReached('cli/main.ts').keys()]).toEqual([]);
  });

  it('a daemon start: none of the heavy packages, which load when a job first needs them', () => {
    expect(heavyIn(packagesReached('daemon/daemon.ts')), 'load it with a dynamic import() where it is first used').toEqual([]);
  });

  it('sees the imports it must see (guards against a walker that finds nothing)', () => {
    const reached = packagesReached('daemon/daemon.ts');
    expect(reached.has('nats')).toBe(true);
    expect(reached.has('zod')).toBe(true);
  });
});
