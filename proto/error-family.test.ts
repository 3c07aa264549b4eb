import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../daemon/config.js';
import { HomeFolderError } from '../daemon/home-folder.js';
import { HomeLockedError } from '../daemon/home-lock.js';
import { UnknownJobError } from '../daemon/mcp/host.js';
import { TreeBoundError, TreeError } from '../actors/fs/tree-errors.js';
import { UnsafeWritePathError } from '../actors/fs/safe-write.js';
import { AutodevError, ErrorCode, toWireError } from './errors.js';

/**
 * One error family: an error a user or a client can meet extends
 * AutodevError, so it carries an ErrorCode that clients match on (the API's
 * answers, the CLI's exit codes) instead of arriving as `internal`. These
 * classes extend Error directly, each for the reason given. The list may
 * only shrink: a new class outside the family fails the test, and so does
 * an entry whose class joined the family or is gone.
 */
const KNOWN_OUTSIDE: ReadonlyMap<string, string> = new Map([
  ['actors/bus/memory-bus.ts NoRespondersError', "the in-memory bus (unit tests) mirrors nats.js's own errors, which are not ours either"],
  ['actors/bus/memory-bus.ts NoStreamError', 'the same'],
  ['actors/bus/memory-bus.ts RequestTimeoutError', 'the same'],
  ['actors/sandbox/docker-sandbox.ts StaleSlotError', 'private control flow: caught in its file, and the run goes to a fresh container'],
  ['actors/mcp/sqlite/job-database.ts SqlFailure', "the database child's protocol: its FailureCode crosses the child's IPC (protocol.ts) and the tool answers with it"],
  ['actors/mcp/sqlite/guarded-open.ts GuardUnavailable', 'lives in the database child only, whose `fatal` message carries its text'],
  ['cli/errors.ts CliError', "the CLI's local errors (usage, unreachable, failed: exit codes), put on the wire's codes by wireErrorFor"],
]);

const REPO_ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SCANNED = ['actors', 'cli', 'daemon', 'machines', 'proto'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

interface ErrorClass {
  where: string;
  parent: string;
}

/** Every class that extends another, by name, with the name of what it extends (`a.B` counts as B). */
function classesOf(files: readonly string[]): Map<string, ErrorClass> {
  const classes = new Map<string, ErrorClass>();
  for (const file of files) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isClassDeclaration(node) && node.name) {
        const heritage = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        const parent = heritage && (ts.isIdentifier(heritage) ? heritage.text : ts.isPropertyAccessExpression(heritage) ? heritage.name.text : undefined);
        if (parent) classes.set(node.name.text, { where: `${relative(REPO_ROOT, file)} ${node.name.text}`, parent });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return classes;
}

/** Classes whose chain of parents reaches Error without passing AutodevError. */
function outsideTheFamily(classes: ReadonlyMap<string, ErrorClass>): string[] {
  const rootOf = (name: string, seen = new Set<string>()): string => {
    const parent = classes.get(name)?.parent;
    if (parent === undefined || name === 'AutodevError' || seen.has(name)) return name;
    return rootOf(parent, seen.add(name));
  };
  return [...classes]
    .filter(([name]) => name !== 'AutodevError' && rootOf(name) === 'Error')
    .map(([, { where }]) => where)
    .sort();
}

describe('errors belong to the AutodevError family', () => {
  const outside = outsideTheFamily(classesOf(SCANNED.flatMap((dir) => sourceFiles(join(REPO_ROOT, dir)))));

  it('has no Error subclass outside the family beyond the known, shrinking list', () => {
    expect(
      outside.filter((where) => !KNOWN_OUTSIDE.has(where)),
      'extend AutodevError (proto/errors.ts) with an ErrorCode and a message that says what to do',
    ).toEqual([]);
    expect(
      [...KNOWN_OUTSIDE.keys()].filter((where) => !outside.includes(where)),
      'these joined the family or are gone: delete them from KNOWN_OUTSIDE',
    ).toEqual([]);
  });

  it('sees classes in and out of the family (guards against a parser that finds nothing)', () => {
    const classes = classesOf([join(REPO_ROOT, 'proto/errors.ts'), join(REPO_ROOT, 'cli/errors.ts'), join(REPO_ROOT, 'actors/fs/tree-errors.ts')]);
    expect(outsideTheFamily(classes)).toEqual(['cli/errors.ts CliError']);
    expect(classes.get('TreeBoundError')?.parent).toBe('TreeError');
  });
});

describe('errors a user or client meets carry an ErrorCode on the wire', () => {
  it.each([
    [new ConfigError('invalid configuration: port: expected a number'), 'config_invalid'],
    [new HomeLockedError('/home/x/.autodev', 42), 'conflict'],
    [new HomeFolderError('/x belongs to uid 0'), 'forbidden'],
    [new UnknownJobError('j1'), 'not_found'],
    [new UnsafeWritePathError('"../x" is not a plain relative path'), 'forbidden'],
    [new TreeError('tree_mount', 'refusing to remove /'), 'forbidden'],
    [new TreeBoundError('maxEntries', 10, 'more than 10 entries'), 'payload_too_large'],
  ] as const)('%s answers %s', (error, code) => {
    expect(error).toBeInstanceOf(AutodevError);
    expect(ErrorCode.options).toContain(code);
    expect(toWireError(error)).toEqual({ code, message: error.message });
  });

  it('keeps the finer reason of a tree error beside its code', () => {
    expect(new TreeError('tree_changing', 'kept reappearing')).toMatchObject({ code: 'conflict', reason: 'tree_changing', name: 'TreeError' });
  });
});
