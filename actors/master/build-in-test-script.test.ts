import { describe, expect, it } from 'vitest';
import { buildInTestScript } from './build-in-test-script.js';

describe("a project's test script that builds before it tests", () => {
  it('spares the separate build when `npm test` runs the build script first, chained by &&', () => {
    expect(buildInTestScript({ build: 'tsc', test: 'tsc && node --test' }, ['test/a.test.ts'])).toContain('tsc && node --test');
    expect(buildInTestScript({ build: 'tsc -p .', test: '  tsc  -p .  &&  node --test' }, [])).not.toBeNull();
    expect(buildInTestScript({ build: 'rm -rf dist && tsc', test: 'rm -rf dist && tsc && node --test' }, [])).not.toBeNull();
    expect(buildInTestScript({ build: 'vite build', test: 'npm run build && vitest run' }, [])).not.toBeNull();
    expect(buildInTestScript({ build: 'vite build', test: 'npm run --silent build && vitest run' }, [])).not.toBeNull();
  });

  it('keeps the build when the test script does not run it first, or not with &&', () => {
    expect(buildInTestScript({ build: 'tsc', test: 'node --test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc; node --test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc || node --test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc -p app', test: 'tsc && node --test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'rm -rf dist && tsc', test: 'rm -rf dist && node --test' }, [])).toBeNull();
    expect(buildInTestScript({ test: 'tsc && node --test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc' }, [])).toBeNull();
  });

  it('keeps the build when other test commands may need its output without making it', () => {
    expect(buildInTestScript({ build: 'tsc', test: 'tsc && node --test', 'test:unit': 'node --test dist/' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc && node --test', 'test:integration': 'node --test it/' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc && node --test', 'test:e2e': 'playwright test' }, [])).toBeNull();
    expect(buildInTestScript({ build: 'tsc', test: 'tsc && node --test' }, ['test/integration/api.test.js'])).toBeNull();
  });
});
