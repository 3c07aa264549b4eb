import { describe, expect, it } from 'vitest';
import { globToRegExp, matchGlob } from './glob.js';

const TREE = ['package.json', 'src/app.js', 'src/lib/util.js', 'test/app.test.mjs', 'test/api/items.test.js', 'test/fixtures/data.json', 'app.test.js', 'README.md'];

describe('rule globs', () => {
  it('keeps * within one folder', () => {
    expect(matchGlob('src/*.js', TREE)).toEqual(['src/app.js']);
    expect(matchGlob('*.test.js', TREE)).toEqual(['app.test.js']);
  });

  it('lets ** span any number of folders, none included', () => {
    expect(matchGlob('**/*.test.*', TREE)).toEqual(['test/app.test.mjs', 'test/api/items.test.js', 'app.test.js']);
    expect(matchGlob('test/**/*.js', TREE)).toEqual(['test/api/items.test.js']);
    expect(matchGlob('test/**', TREE)).toEqual(['test/app.test.mjs', 'test/api/items.test.js', 'test/fixtures/data.json']);
    expect(matchGlob('src/**/util.js', TREE)).toEqual(['src/lib/util.js']);
  });

  it('treats dots and dashes literally', () => {
    expect(globToRegExp('a.b-c').test('a.b-c')).toBe(true);
    expect(globToRegExp('a.b-c').test('aXb-c')).toBe(false);
    expect(matchGlob('package.json', TREE)).toEqual(['package.json']);
  });

  it('matches nothing outside the pattern', () => {
    expect(matchGlob('**/*.spec.ts', TREE)).toEqual([]);
  });
});
