import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { importsOf, packageOf, readStackFindings } from './stack-findings.js';

const dir = mkdtempSync(join(tmpdir(), 'autodev-stack-findings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('what a tree shows about its stack', () => {
  it('names the package of a specifier, and none for a relative path', () => {
    expect(['hono', 'hono/cors', '@hono/node-server', '@hono/node-server/serve-static', 'node:http', './store.js', '/abs'].map(packageOf)).toEqual(['hono', 'hono', '@hono/node-server', '@hono/node-server', 'node:http', null, null]);
  });

  it('finds static, side-effect, dynamic and require imports', () => {
    const code = "import { Hono } from 'hono';\nimport 'dotenv/config';\nconst m = await import('node-sqlite3-wasm');\nconst z = require(\"zod\");\nexport * from './local.js';";
    expect(importsOf(code).sort()).toEqual(['dotenv', 'hono', 'node-sqlite3-wasm', 'zod']);
  });

  it('reads dependencies, and source imports apart from test imports (the type check runs only when asked: it is the slow part)', async () => {
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'test'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { hono: '4.6.20' }, devDependencies: { typescript: '5.7.3' }, scripts: { test: 'node --test' } }));
    writeFileSync(join(dir, 'src', 'server.ts'), "import { Hono } from 'hono';\nexport const n: number = 'not a number';\n");
    writeFileSync(join(dir, 'test', 'server.test.ts'), "import assert from 'node:assert';\nassert.ok(true);\n");
    const found = await readStackFindings(dir, { typecheck: false });
    expect([...found.dependencies].sort()).toEqual(['hono', 'typescript']);
    expect([...found.sourceImports]).toEqual(['hono']);
    expect([...found.testImports]).toEqual(['node:assert']);
    expect(found.typecheck).toBeNull();
  });
});
