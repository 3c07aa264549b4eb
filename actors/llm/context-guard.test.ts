import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../proto/index.js';
import { answerReserve, assertFitsContext, TEMPLATE_OVERHEAD_TOKENS } from './context-guard.js';

describe('assertFitsContext', () => {
  it('keeps the answer budget, capped at half the window', () => {
    expect(answerReserve(4096, 500)).toBe(500);
    expect(answerReserve(4096, 4096)).toBe(2048);
  });

  it('accepts a prompt that fits exactly and refuses one token more, naming the sizes', () => {
    const promptTokens = 1000 - 200 - TEMPLATE_OVERHEAD_TOKENS;
    expect(() => assertFitsContext({ contextSize: 1000, promptTokens, maxTokens: 200 })).not.toThrow();
    const error = (() => {
      try {
        assertFitsContext({ contextSize: 1000, promptTokens: promptTokens + 1, maxTokens: 200 });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('context_overflow');
    expect((error as ProtocolError).message).toContain('1000-token context window');
  });
});
