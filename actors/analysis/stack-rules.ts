/**
 * The stack a prompt names, as executable rules: derived from the words of
 * the prompt by fixed tables, never by a model, so the same prompt always
 * gets the same rules. Only what the prompt names explicitly becomes a rule:
 * the blueprint's defaults (Hono when no framework is named) bind nobody.
 */
export type LanguageName = 'TypeScript' | 'JavaScript' | 'Python';

export type StackRule =
  /** The sources are in this language (TypeScript: `.ts` files, and `tsc --noEmit` passes). */
  | { kind: 'language'; language: LanguageName }
  /** The app runs on this runtime: shown by the app starting in the sandbox. */
  | { kind: 'runtime'; runtime: 'Node.js' }
  /** A framework or library: one of `packages` is a dependency in package.json and the code imports it (tests, for a test runner). */
  | { kind: 'package'; role: 'framework' | 'library' | 'testing'; name: string; packages: readonly string[] }
  /** A database: a driver of it is a dependency and imported; with `restart`, data written before a restart of the app is read back after it. */
  | { kind: 'database'; name: string; packages: readonly string[]; restart: boolean };

interface Named<R> {
  /** Whole words (case-insensitive) that name it in a prompt. */
  words: readonly string[];
  rule: R;
}

const LANGUAGES: readonly Named<StackRule>[] = [
  { words: ['typescript'], rule: { kind: 'language', language: 'TypeScript' } },
  { words: ['javascript'], rule: { kind: 'language', language: 'JavaScript' } },
  { words: ['python'], rule: { kind: 'language', language: 'Python' } },
];

const RUNTIMES: readonly Named<StackRule>[] = [{ words: ['node\\.js', 'nodejs'], rule: { kind: 'runtime', runtime: 'Node.js' } }];

const pkg = (role: 'framework' | 'library' | 'testing', name: string, ...packages: string[]): StackRule => ({ kind: 'package', role, name, packages });

const PACKAGES: readonly Named<StackRule>[] = [
  { words: ['hono'], rule: pkg('framework', 'Hono', 'hono') },
  { words: ['express', 'express\\.js'], rule: pkg('framework', 'Express', 'express') },
  { words: ['fastify'], rule: pkg('framework', 'Fastify', 'fastify') },
  { words: ['koa'], rule: pkg('framework', 'Koa', 'koa') },
  { words: ['nestjs', 'nest\\.js'], rule: pkg('framework', 'NestJS', '@nestjs/core') },
  { words: ['next\\.js', 'nextjs'], rule: pkg('framework', 'Next.js', 'next') },
  { words: ['react'], rule: pkg('framework', 'React', 'react') },
  { words: ['vue', 'vue\\.js'], rule: pkg('framework', 'Vue', 'vue') },
  { words: ['svelte'], rule: pkg('framework', 'Svelte', 'svelte') },
  { words: ['zod'], rule: pkg('library', 'Zod', 'zod') },
  { words: ['prisma'], rule: pkg('library', 'Prisma', '@prisma/client') },
  { words: ['drizzle'], rule: pkg('library', 'Drizzle', 'drizzle-orm') },
  { words: ['vitest'], rule: pkg('testing', 'Vitest', 'vitest') },
  { words: ['jest'], rule: pkg('testing', 'Jest', 'jest') },
  { words: ['mocha'], rule: pkg('testing', 'Mocha', 'mocha') },
];

/** ORMs and query builders count as a driver of any SQL database: what they talk to shows in the restart check. */
const SQL_TOOLS = ['@prisma/client', 'drizzle-orm', 'typeorm', 'sequelize', 'knex', 'kysely'];

const DATABASES: readonly Named<StackRule>[] = [
  {
    words: ['sqlite', 'sqlite3'],
    rule: { kind: 'database', name: 'SQLite', packages: ['better-sqlite3', 'sqlite3', 'node-sqlite3-wasm', 'sql.js', '@libsql/client', 'sqlite', 'node:sqlite', ...SQL_TOOLS], restart: true },
  },
  // A server database cannot run in the sandbox (no network, no server): its driver is checked, its persistence is not checkable.
  { words: ['postgres', 'postgresql'], rule: { kind: 'database', name: 'PostgreSQL', packages: ['pg', 'postgres', 'pg-promise', '@neondatabase/serverless', ...SQL_TOOLS], restart: false } },
  { words: ['mysql', 'mariadb'], rule: { kind: 'database', name: 'MySQL', packages: ['mysql2', 'mysql', 'mariadb', ...SQL_TOOLS], restart: false } },
  { words: ['mongodb', 'mongo'], rule: { kind: 'database', name: 'MongoDB', packages: ['mongodb', 'mongoose'], restart: false } },
  { words: ['redis'], rule: { kind: 'database', name: 'Redis', packages: ['redis', 'ioredis'], restart: false } },
];

const TABLES = [LANGUAGES, RUNTIMES, PACKAGES, DATABASES];

function names(text: string, words: readonly string[]): boolean {
  // Whole words, not part of a path, file name or package specifier ("hono/jsx", "app.hono.ts"); \b would fail next to "." in "node.js".
  return words.some((w) => new RegExp(`(?<![\\w./@-])${w}(?![\\w/-]|\\.\\w)`, 'i').test(text));
}

/** The stack rules one requirement's text names, in table order (language, runtime, packages, databases). */
export function stackRulesOf(text: string): StackRule[] {
  const found: StackRule[] = [];
  for (const table of TABLES) for (const entry of table) if (names(text, entry.words)) found.push(entry.rule);
  return found;
}

/** A stable id for a stack rule's check: `stack.language.typescript`, `stack.framework.hono`, `stack.database.sqlite`. */
export function stackCheckId(rule: StackRule): string {
  const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  switch (rule.kind) {
    case 'language':
      return `stack.language.${slug(rule.language)}`;
    case 'runtime':
      return `stack.runtime.${slug(rule.runtime)}`;
    case 'package':
      return `stack.${rule.role}.${slug(rule.name)}`;
    case 'database':
      return `stack.database.${slug(rule.name)}`;
  }
}

/** The rule in words, for reports. */
export function describeStackRule(rule: StackRule): string {
  switch (rule.kind) {
    case 'language':
      return rule.language === 'TypeScript' ? 'the sources are TypeScript (.ts) and tsc --noEmit passes' : `the sources are ${rule.language}`;
    case 'runtime':
      return `the app runs on ${rule.runtime}`;
    case 'package':
      return rule.role === 'testing'
        ? `${rule.name} is a dependency in package.json and runs the tests`
        : `${rule.name} is a dependency in package.json and the code imports it`;
    case 'database':
      return rule.restart
        ? `${rule.name} is a dependency in package.json, the code imports it, and data survives a restart of the app`
        : `${rule.name} is a dependency in package.json and the code imports it`;
  }
}
