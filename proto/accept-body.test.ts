import { describe, expect, it } from 'vitest';
import { AcceptBody, type AcceptanceSuite } from './index.js';

const suite: AcceptanceSuite = { type: 'acceptance.suite', title: 't', checks: [], schemas: {}, dialect: 'draft-07' };

describe('POST /acceptance body', () => {
  it('takes a spec or a frozen suite, and refuses both or neither, saying which to give', () => {
    expect(AcceptBody.safeParse({ appDir: '/app', spec: 'openapi: 3.0.3' }).success).toBe(true);
    expect(AcceptBody.parse({ appDir: '/app', suite }).suite).toEqual(suite);
    for (const body of [{ appDir: '/app', spec: 'x', suite }, { appDir: '/app' }]) {
      const parsed = AcceptBody.safeParse(body);
      expect(parsed.success).toBe(false);
      expect(parsed.error?.issues[0]?.message).toMatch(/exactly one of spec .* and suite/);
    }
    expect(AcceptBody.safeParse({ appDir: '/app', suite: { ...suite, checks: [{ id: 'x' }] } }).success).toBe(false);
  });
});
