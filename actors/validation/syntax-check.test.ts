import { describe, expect, it } from 'vitest';
import { checkSyntax } from './syntax-check.js';

describe('checkSyntax', () => {
  it('passes valid TypeScript, JavaScript, JSON, YAML and files it does not check', () => {
    const report = checkSyntax([
      { path: 'src/a.ts', content: 'export const x: number = 1;\n' },
      { path: 'src/b.tsx', content: 'export const C = () => <div>hi</div>;\n' },
      { path: 'b.mjs', content: 'export default 1;\n' },
      { path: 'package.json', content: '{"name":"x"}' },
      { path: '.github/workflows/ci.yml', content: 'on: push\njobs: {}\n' },
      { path: 'README.md', content: '# }}} not code' },
      { path: 'k8s/app.yaml', content: 'kind: Deployment\n---\nkind: Service\n' },
    ]);
    expect(report).toEqual({ passed: true, issues: [] });
  });

  it('reports each broken file with its path, line and column', () => {
    const report = checkSyntax([
      { path: 'src/a.ts', content: 'export const x = ;\n' },
      { path: 'package.json', content: '{"name":' },
      { path: 'c.yaml', content: 'a: [1, 2\n' },
      { path: 'd.yaml', content: 'ok: 1\n---\nb: [1, 2\n' },
    ]);
    expect(report.passed).toBe(false);
    expect(report.issues[0]).toMatch(/^src\/a\.ts:1:18 Expression expected/);
    expect(report.issues.some((i) => i.startsWith('package.json:'))).toBe(true);
    expect(report.issues.some((i) => i.startsWith('c.yaml'))).toBe(true);
    // An error in the second document of a file is found too.
    expect(report.issues.some((i) => i.startsWith('d.yaml'))).toBe(true);
  });
});
