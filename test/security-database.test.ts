import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabaseServer, type DatabaseServerOptions } from '../actors/mcp/servers/database.js';
import { defaultChildPaths } from '../actors/mcp/sqlite/child-paths.js';
import { DatabaseProcessPool } from '../actors/mcp/sqlite/process-pool.js';
import { callOk, callTool, errorText } from './helpers/mcp.js';
import { REPO_ROOT, tempDir, waitUntil } from './helpers/env.js';

// Issue 14 items 4 and 6, through real SQLite in the real child process with the real guard:
// no SQL reaches another file, and no statement holds the event loop or runs past its limit.
const home = tempDir('security-database');
afterAll(() => home.cleanup());

let jobs = 0;
async function connect(overrides: Partial<DatabaseServerOptions> = {}): Promise<{ client: Client; jobDir: string; repo: string }> {
  const jobDir = join(home.path, 'jobs', `j${++jobs}`);
  const repo = join(jobDir, 'repo');
  mkdirSync(repo, { recursive: true });
  // A private pool that closes children at once: each test sees only its own.
  const server = createDatabaseServer({ file: join(jobDir, 'database.sqlite'), repo, readOnly: false, pool: new DatabaseProcessPool(0), ...overrides });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'security-database-test', version: '0' });
  await client.connect(clientSide);
  return { client, jobDir, repo };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Files SQLite may legitimately keep next to the job database. */
const DATABASE_FILES = /^database\.sqlite(-wal|-shm|-journal)?$/;

describe('the job database cannot open or create another file', () => {
  it('refuses every ATTACH and VACUUM INTO, however written, and no file appears anywhere', async () => {
    const outside = join(home.path, 'outside');
    mkdirSync(outside);
    const { client, jobDir } = await connect();
    await callOk(client, 'execute_query', { sql: 'CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)' });
    const target = (name: string) => join(outside, name);
    const attempts: Array<{ sql: string; params?: string[] }> = [
      // The two bypasses from the review: the old filter dropped everything after "--", even inside /* */.
      { sql: `/* -- */ ATTACH '${target('a.db')}' AS a` },
      { sql: `/* -- */ VACUUM INTO '${target('b.db')}'` },
      { sql: `ATTACH DATABASE '${target('c.db')}' AS c` },
      { sql: `aTtAcH/**/'${target('d.db')}'/**/AS/**/d` },
      { sql: `-- a comment\nVACUUM main INTO '${target('e.db')}'` },
      { sql: `vacuum/* x */into '${target('f.db')}'` },
      // Built at run time: no text filter could see the path.
      { sql: `ATTACH '${outside}/' || 'g' || '.db' AS g` },
      { sql: 'ATTACH ? AS h', params: [target('h.db')] },
      { sql: 'VACUUM INTO ?', params: [target('i.db')] },
      { sql: `VACUUM INTO printf('%s/%s', '${outside}', 'j.db')` },
      { sql: "ATTACH 'file:" + target('k.db') + "?mode=rwc' AS k" },
      { sql: `ATTACH ':memory:' AS m` },
      { sql: 'DETACH main' },
      // SQLite's other doors to the file system.
      { sql: `PRAGMA temp_store_directory = '${outside}'` },
      { sql: 'PRAGMA temp_store = FILE' },
      { sql: `SELECT load_extension('${target('evil.so')}')` },
      { sql: 'PRAGMA writable_schema = ON' },
      { sql: 'PRAGMA hard_heap_limit = 0' },
    ];
    for (const { sql, params } of attempts) {
      const result = await callTool(client, 'execute_query', { sql, ...(params ? { params } : {}) });
      expect(result.isError, sql).toBe(true);
      expect(errorText(result), sql).toMatch(/not authorized|authorization denied|too many attached databases/);
      expect(errorText(result), sql).toContain('exactly one database file');
    }
    // No statement form can smuggle one in: SQLite has no eval, and triggers cannot hold ATTACH.
    expect(errorText(await callTool(client, 'execute_query', { sql: `SELECT eval('ATTACH ''${target('l.db')}'' AS l')` }))).toContain('no such function');
    const trigger = await callTool(client, 'execute_query', { sql: `CREATE TRIGGER t AFTER INSERT ON notes BEGIN ATTACH '${target('m.db')}' AS m; END` });
    expect(trigger.isError).toBe(true);

    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(jobDir).filter((f) => !DATABASE_FILES.test(f) && f !== 'repo')).toEqual([]);
    // The database itself is untouched and still works.
    await callOk(client, 'execute_query', { sql: "INSERT INTO notes (body) VALUES ('still here')" });
    expect(await callOk(client, 'execute_query', { sql: 'SELECT body FROM notes' })).toMatchObject({ rows: [{ body: 'still here' }] });
    await client.close();
  });

  it('refuses them in create_schema and in a migration file written straight into the repository, leaving nothing behind', async () => {
    const outside = join(home.path, 'outside-migrations');
    mkdirSync(outside);
    const { client, repo } = await connect();
    const schema = await callTool(client, 'create_schema', { name: 'sneaky', sql: `CREATE TABLE a (x); /* -- */ VACUUM INTO '${outside}/s.db'` });
    expect(schema.isError).toBe(true);
    expect(errorText(schema)).toMatch(/not authorized|authorization denied|too many attached databases/);
    expect(existsSync(join(repo, 'db/migrations/0001_sneaky.sql'))).toBe(false);

    // Model or sandbox code can write migration files directly; migrate_database applies them.
    mkdirSync(join(repo, 'db/migrations'), { recursive: true });
    writeFileSync(join(repo, 'db/migrations/0001_users.sql'), 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n');
    writeFileSync(join(repo, 'db/migrations/0002_escape.sql'), `CREATE TABLE b (x);\n/* -- */ ATTACH '${outside}/m.db' AS m;\n`);
    const migrated = await callTool(client, 'migrate_database', {});
    expect(migrated.isError).toBe(true);
    expect(errorText(migrated)).toContain('migration 0002_escape.sql failed and was rolled back');
    expect(readdirSync(outside)).toEqual([]);
    // The good migration stayed applied; the bad one left no table.
    expect(await callOk(client, 'execute_query', { sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'b') ORDER BY name" })).toMatchObject({
      rows: [{ name: 'users' }],
    });
    await client.close();
  });

  it('never reads a migration through a symlink, so a host file cannot be fed to SQLite and quoted in its error', async () => {
    const secret = join(home.path, 'secret.txt');
    writeFileSync(secret, 'TOP-SECRET-TOKEN\n');
    const { client, repo } = await connect();
    mkdirSync(join(repo, 'db/migrations'), { recursive: true });
    symlinkSync(secret, join(repo, 'db/migrations/0001_leak.sql'));
    const file = errorText(await callTool(client, 'migrate_database', {}));
    expect(file).toContain('leads out of the workspace through a symbolic link');
    expect(file).not.toContain('TOP-SECRET');
    await client.close();

    const folder = await connect();
    mkdirSync(join(folder.repo, 'db'), { recursive: true });
    mkdirSync(join(home.path, 'host-migrations'));
    writeFileSync(join(home.path, 'host-migrations', '0001_leak.sql'), 'TOP-SECRET-TOKEN\n');
    symlinkSync(join(home.path, 'host-migrations'), join(folder.repo, 'db/migrations'));
    const dir = errorText(await callTool(folder.client, 'migrate_database', {}));
    expect(dir).toContain('symbolic link');
    expect(dir).not.toContain('TOP-SECRET');
    await folder.client.close();
  });

  it('keeps ordinary work working: schema, migrations, seed data, WAL, foreign keys, temp tables, big sorts', async () => {
    const { client } = await connect();
    await callOk(client, 'create_schema', { name: 'users', sql: 'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)' });
    await callOk(client, 'create_schema', { name: 'posts', sql: 'CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), title TEXT)' });
    expect(await callOk(client, 'seed_data', { table: 'users', rows: [{ email: 'a@x.org' }, { email: 'b@x.org' }] })).toEqual({ table: 'users', inserted: 2 });
    expect(errorText(await callTool(client, 'seed_data', { table: 'posts', rows: [{ user_id: 99, title: 'orphan' }] }))).toContain('FOREIGN KEY');
    expect(await callOk(client, 'execute_query', { sql: 'PRAGMA journal_mode = WAL' })).toMatchObject({ rows: [{ journal_mode: 'wal' }] });
    await callOk(client, 'execute_query', { sql: 'CREATE TEMP TABLE scratch AS SELECT * FROM users' });
    const sorted = await callOk<{ rows: Array<{ n: number }> }>(client, 'execute_query', {
      sql: 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000) SELECT count(DISTINCT i % 1000) AS n FROM (SELECT i FROM c ORDER BY random())',
    });
    expect(sorted.rows[0]?.n).toBe(1000);
    expect(await callOk(client, 'execute_query', { sql: 'SELECT email FROM users WHERE id = ?', params: [2] })).toMatchObject({ rows: [{ email: 'b@x.org' }] });
    await client.close();
  });

  it('fails closed: without the guard library the tool refuses and says to run npm run setup', async () => {
    const real = defaultChildPaths();
    const missing = await connect({ paths: { script: real.script, guard: join(home.path, 'no-such-guard.so') } });
    const refused = await callTool(missing.client, 'execute_query', { sql: 'SELECT 1' });
    expect(refused.isError).toBe(true);
    expect(errorText(refused)).toContain('npm run setup');
    await missing.client.close();

    // A file that is there but is no SQLite extension: the child refuses before answering anything.
    const bogus = join(home.path, 'bogus-guard.so');
    writeFileSync(bogus, 'not a shared library');
    const broken = await connect({ paths: { script: real.script, guard: bogus } });
    const text = errorText(await callTool(broken.client, 'execute_query', { sql: 'SELECT 1' }));
    expect(text).toContain('could not be loaded');
    expect(text).toContain('npm run setup');
    expect(existsSync(join(broken.jobDir, 'database.sqlite'))).toBe(false);
    await broken.client.close();
  });
});

describe('statement time limit', () => {
  it('stops an unbounded recursive CTE at the limit while the event loop keeps running, then answers the next query', async () => {
    const limitMs = 1000;
    const { client } = await connect({ statementTimeoutMs: limitMs });
    await callOk(client, 'execute_query', { sql: 'SELECT 1' }); // the child is started and warm

    // Ticks, not lag in milliseconds: a loaded machine delays ticks, but only a blocked loop stops them.
    let ticks = 0;
    let maxLagMs = 0;
    let last = performance.now();
    const ticker = setInterval(() => {
      const now = performance.now();
      ticks++;
      maxLagMs = Math.max(maxLagMs, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    const result = await callTool(client, 'execute_query', { sql: 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c' });
    const elapsedMs = performance.now() - started;
    clearInterval(ticker);

    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain(`statement exceeded ${limitMs} ms and was stopped; add a LIMIT or a WHERE`);
    expect(elapsedMs).toBeGreaterThanOrEqual(limitMs);
    // The statement never ends by itself: ending at all is the limit's doing.
    expect(elapsedMs).toBeLessThan(limitMs * 30);
    // Before: the query ran on this thread and no tick came until it ended.
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(maxLagMs).toBeLessThan(limitMs);
    expect(await callOk(client, 'execute_query', { sql: 'SELECT 6 * 7 AS answer' })).toMatchObject({ rows: [{ answer: 42 }] });
    await client.close();
  });

  it('applies the limit to each migration file, and the killed migration leaves nothing applied', async () => {
    const { client, repo } = await connect({ statementTimeoutMs: 800 });
    mkdirSync(join(repo, 'db/migrations'), { recursive: true });
    writeFileSync(join(repo, 'db/migrations/0001_slow.sql'), 'CREATE TABLE n AS WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT i FROM c;\n');
    const migrated = await callTool(client, 'migrate_database', {});
    expect(errorText(migrated)).toContain('statement exceeded 800 ms');
    // Killed mid-transaction: SQLite rolls the hot journal back, so nothing was applied.
    expect(await callOk(client, 'execute_query', { sql: "SELECT count(*) AS n FROM sqlite_master WHERE name = 'n'" })).toMatchObject({ rows: [{ n: 0 }] });
    await client.close();
  });

  it('caps the child memory: a huge value fails with out of memory and the database keeps working', async () => {
    const { client } = await connect({ memoryLimitMb: 256 });
    const result = await callTool(client, 'execute_query', { sql: "SELECT length(zeroblob(400000000) || 'x') AS n" });
    expect(result.isError).toBe(true);
    expect(errorText(result)).toContain('out of memory');
    expect(await callOk(client, 'execute_query', { sql: 'SELECT 1 AS one' })).toMatchObject({ rows: [{ one: 1 }] });
    // An answer too big to parse here without stalling the event loop is refused in the child.
    expect(errorText(await callTool(client, 'execute_query', { sql: 'SELECT zeroblob(20000000) AS big' }))).toContain('select fewer rows or columns');
    await client.close();
  });
});

describe('the database child process', () => {
  const processModule = join(REPO_ROOT, 'dist/actors/mcp/sqlite/database-process.js');
  /** A stand-in daemon: starts a child, runs `sql` and prints the child pid. */
  const daemonScript = (file: string, sql: string) => `
    const { DatabaseProcess } = await import(${JSON.stringify(processModule)});
    const db = new DatabaseProcess({ file: ${JSON.stringify(file)}, readOnly: false, statementTimeoutMs: 60000 });
    await db.request({ type: 'query', sql: 'SELECT 1', params: [], maxRows: 1 });
    console.log(JSON.stringify({ child: db.pid }));
    await db.request({ type: 'query', sql: ${JSON.stringify(sql)}, params: [], maxRows: 1 });
  `;
  const runDaemon = (script: string) => {
    const daemon = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const childPid = new Promise<number>((resolve, reject) => {
      daemon.stdout.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { child: number }).child));
      daemon.once('exit', () => reject(new Error('the stand-in daemon exited before starting its child')));
    });
    const exited = new Promise<number | null>((resolve) => daemon.once('exit', (code) => resolve(code)));
    return { daemon, childPid, exited };
  };

  it('does not keep its parent alive, and exits with it', async () => {
    const { childPid, exited } = runDaemon(daemonScript(join(home.path, 'idle.sqlite'), 'SELECT 2'));
    const pid = await childPid;
    expect(await exited).toBe(0);
    await waitUntil(() => !alive(pid), 5000, 'the idle child to exit with its parent');
  });

  it('dies when its parent is killed in the middle of a statement', async () => {
    const { daemon, childPid } = runDaemon(daemonScript(join(home.path, 'busy.sqlite'), 'WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c) SELECT count(*) FROM c'));
    const pid = await childPid;
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid)).toBe(true);
    daemon.kill('SIGKILL');
    await waitUntil(() => !alive(pid), 5000, 'the busy child to die with its parent');
  });

  it('goes away when the server closes, unless kept warm for the next server of the same job', async () => {
    const { client } = await connect({ pool: new DatabaseProcessPool(0) });
    await callOk(client, 'execute_query', { sql: 'SELECT 1' });
    const before = childPids();
    expect(before.length).toBeGreaterThan(0);
    await client.close();
    await waitUntil(() => childPids().length < before.length, 5000, 'the child to exit after close');

    // Over HTTP each request builds a fresh server: the second one reuses the first one's child.
    const pool = new DatabaseProcessPool(500);
    const file = join(home.path, 'warm.sqlite');
    const first = await connect({ pool, file });
    await callOk(first.client, 'execute_query', { sql: 'CREATE TABLE kept (a)' });
    const warm = childPids();
    await first.client.close();
    const second = await connect({ pool, file });
    await callOk(second.client, 'execute_query', { sql: 'SELECT count(*) AS n FROM kept' });
    expect(childPids()).toEqual(warm);
    await second.client.close();
    await waitUntil(() => childPids().length < warm.length, 5000, 'the warm child to exit after its idle time');
  });
});

/** This process's database children, found by their script path in /proc. */
function childPids(): number[] {
  const script = defaultChildPaths().script;
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(script) && readFileSync(`/proc/${d}/stat`, 'utf8').split(' ')[3] === String(process.pid);
      } catch {
        return false;
      }
    })
    .map(Number);
}
