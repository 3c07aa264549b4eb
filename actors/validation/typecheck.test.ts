import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runTypecheck } from './typecheck.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'autodev-typecheck-'));
  made.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const TSCONFIG = JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['greeting'] }, include: ['src'] });
const SOURCE = 'export const text: string = greet("team");\n';

describe('runTypecheck', () => {
  it("takes the types a tsconfig names from the project's own node_modules/@types, wherever the daemon was started", () => {
    // @types/greeting exists only in the project: before, type roots were looked for from the daemon's working
    // directory, so a daemon started outside its own checkout failed every TypeScript job with TS2688.
    const root = project({
      'tsconfig.json': TSCONFIG,
      'src/app.ts': SOURCE,
      'node_modules/@types/greeting/package.json': JSON.stringify({ name: '@types/greeting', types: 'index.d.ts' }),
      'node_modules/@types/greeting/index.d.ts': 'declare function greet(name: string): string;\n',
    });
    const result = runTypecheck(root, [{ path: 'src/app.ts', content: SOURCE }]);
    expect(result.failures).toEqual([]);
    expect(result.status).toBe('passed');
  });

  it('fails a project whose named types are not installed, naming the missing type library', () => {
    const root = project({ 'tsconfig.json': TSCONFIG, 'src/app.ts': SOURCE, 'node_modules/.keep': '' });
    const result = runTypecheck(root, [{ path: 'src/app.ts', content: SOURCE }]);
    expect(result.status).toBe('failed');
    expect(result.failures.map((f) => f.message).join('\n')).toContain("Cannot find type definition file for 'greeting'");
  });
});
