import { describe, expect, it } from 'vitest';
import { checkSubject, subjectMatches } from './subject-match.js';

describe('subjectMatches', () => {
  it('matches literal subjects token by token', () => {
    expect(subjectMatches('a.b.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.b.c', 'a.b')).toBe(false);
    expect(subjectMatches('a.b', 'a.b.c')).toBe(false);
    expect(subjectMatches('a.b.c', 'a.b.cc')).toBe(false);
  });

  it('lets * stand for exactly one token', () => {
    expect(subjectMatches('a.*.c', 'a.b.c')).toBe(true);
    expect(subjectMatches('a.*.c', 'a.b.x.c')).toBe(false);
    expect(subjectMatches('a.*', 'a')).toBe(false);
    expect(subjectMatches('*.job.*.completed', 'p.job.j1.completed')).toBe(true);
  });

  it('lets > stand for one or more trailing tokens, never zero', () => {
    expect(subjectMatches('a.>', 'a.b')).toBe(true);
    expect(subjectMatches('a.>', 'a.b.c.d')).toBe(true);
    expect(subjectMatches('a.>', 'a')).toBe(false);
    expect(subjectMatches('>', 'a')).toBe(true);
    expect(subjectMatches('p.work.*.j1.>', 'p.work.backend.j1.t1')).toBe(true);
    expect(subjectMatches('p.work.*.j1.>', 'p.work.backend.j2.t1')).toBe(false);
  });
});

describe('checkSubject', () => {
  it('accepts wildcards in filters only, as whole tokens and > last', () => {
    expect(() => checkSubject('a.*.>', { wildcards: true })).not.toThrow();
    expect(() => checkSubject('a.*', { wildcards: false })).toThrow(/only subscriptions/);
    expect(() => checkSubject('a.>.b', { wildcards: true })).toThrow(/before its last token/);
    expect(() => checkSubject('a.b*', { wildcards: true })).toThrow(/whole tokens/);
    expect(() => checkSubject('a..b', { wildcards: false })).toThrow(/"a..b".*empty token/);
    expect(() => checkSubject('a b', { wildcards: false })).toThrow(/white space/);
  });
});
