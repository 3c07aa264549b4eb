import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseRevision, refNameProblem } from './git-ref-name.js';

/** git's own verdict on a one-level-or-more ref name. */
function gitAccepts(name: string): boolean {
  try {
    execFileSync('git', ['check-ref-format', '--allow-onelevel', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const NAMES = [
  'main',
  'feature/x',
  'refs/heads/main',
  'v1.0',
  'a..b',
  '../../../../token',
  'refs/../../x',
  '/abs',
  'trailing/',
  'a//b',
  '.hidden',
  'dir/.hidden',
  'x.lock',
  'dir/x.lock/y',
  'ends.',
  'a@{1}',
  '@',
  'has space',
  'tab\tname',
  'tilde~1',
  'caret^',
  'colon:x',
  'q?',
  'star*',
  'br[acket',
  'back\\slash',
  'del\u007f',
  'ünïcode',
  'a@b',
];

describe('refNameProblem', () => {
  it("agrees with git check-ref-format --allow-onelevel on every name", () => {
    for (const name of NAMES) expect(refNameProblem(name) === null, name).toBe(gitAccepts(name));
  });

  it('also refuses a leading "-" (an option to git) and over-long names', () => {
    expect(refNameProblem('-rf')).toContain('"-"');
    expect(refNameProblem('a'.repeat(201))).toContain('longer');
  });
});

describe('parseRevision', () => {
  it('splits ~N and ^N steps off a valid base', () => {
    expect(parseRevision('main~2^2')).toEqual({ base: 'main', steps: [{ kind: '~', count: 2 }, { kind: '^', count: 2 }] });
    expect(parseRevision('HEAD^')).toEqual({ base: 'HEAD', steps: [{ kind: '^', count: 1 }] });
    expect(parseRevision('abc1234')).toEqual({ base: 'abc1234', steps: [] });
  });

  it('refuses refs outside refs/heads, refs/tags and refs/remotes, and anything after the steps', () => {
    for (const text of ['refs/stash', 'refs/notes/x', 'HEAD:../x', 'main~1x', 'main@{0}', '../x~1', 'main~99999']) {
      expect('problem' in parseRevision(text), text).toBe(true);
    }
  });
});
