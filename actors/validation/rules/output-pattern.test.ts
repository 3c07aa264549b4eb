import { describe, expect, it } from 'vitest';
import { matchOutput } from './output-pattern.js';

describe("a command rule's output pattern", () => {
  it('matches per line, anywhere in the output', () => {
    expect(matchOutput('^ok \\d+$', 'start\nok 12\nend')).toEqual({ kind: 'matched' });
    expect(matchOutput('listening', 'nothing here')).toEqual({ kind: 'not_matched' });
  });

  it('reports a pattern that is not a regular expression', () => {
    expect(matchOutput('(unclosed', 'x')).toMatchObject({ kind: 'invalid' });
  });

  it('stops a catastrophically backtracking pattern instead of hanging', () => {
    const started = performance.now();
    expect(matchOutput('^(a+)+$', `${'a'.repeat(40)}b`)).toEqual({ kind: 'too_slow' });
    // 2^40 backtracking steps would take hours: ending at all is the limit's doing, however loaded the machine.
    expect(performance.now() - started).toBeLessThan(30_000);
  });
});
