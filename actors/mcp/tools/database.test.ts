import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseToolDeps } from '../servers/database.js';
import { DatabaseProcessPool } from '../sqlite/process-pool.js';
import { callTool } from '../tool.js';
import { createSchema, executeQuery, migrateDatabase, seedData } from './database.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'autodev-db-tools-'));
  mkdirSync(join(dir, 'repo'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Real SQLite in the real child process with the guard (built by tsc and npm run setup under dist/). */
function open(readOnly: boolean) {
  return databaseToolDeps({ file: join(dir, 'database.sqlite'), repo: join(dir, 'repo'), readOnly, pool: new DatabaseProcessPool(0) });
}

describe('database tools, called as definitions', () => {
  it('writes a migration file, applies it, seeds and queries real SQLite', async () => {
    const { deps, release } = open(false);
    try {
      expect(await callTool(createSchema, { name: 'todos', sql: 'CREATE TABLE todos (id INTEGER PRIMARY KEY, title TEXT, done INTEGER)' }, deps)).toEqual({
        migration: 'db/migrations/0001_todos.sql',
        applied: true,
      });
      expect(readdirSync(join(dir, 'repo', 'db', 'migrations'))).toEqual(['0001_todos.sql']);
      expect(await callTool(seedData, { table: 'todos', rows: [{ title: 'a', done: true }, { title: 'b', done: false }] }, deps)).toEqual({ table: 'todos', inserted: 2 });
      const result = await callTool(executeQuery, { sql: 'SELECT title, done FROM todos WHERE done = ?', params: [1] }, deps);
      expect(result).toMatchObject({ rows: [{ title: 'a', done: 1 }] });
      expect(await callTool(migrateDatabase, {}, deps)).toEqual({ applied: [], alreadyApplied: ['0001_todos.sql'] });
    } finally {
      release();
    }
  });

  it('refuses writes in read-only mode before the database is touched', async () => {
    const { deps, release } = open(true);
    try {
      await expect(callTool(seedData, { table: 'todos', rows: [{ title: 'a' }] }, deps)).rejects.toThrow(/read-only mode \(config mcp.database.readOnly\); seed_data is refused/);
      await expect(callTool(migrateDatabase, {}, deps)).rejects.toThrow(/migrate_database is refused/);
    } finally {
      release();
    }
  });
});
