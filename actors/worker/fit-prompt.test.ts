import { describe, expect, it } from 'vitest';
import type { WorkRequest } from '../../proto/index.js';
import { fitPrompt, type TokenCounter } from './fit-prompt.js';

/** Two characters a token: a vocabulary denser than the Master's four-character estimate. */
const counter: TokenCounter = { contextSize: 2000, countTokens: (text) => Math.ceil(text.length / 2) };

const request: WorkRequest = {
  type: 'work.request', jobId: 'j1', taskId: 't1', attempt: 1, role: 'backend', repo: '/r', jobPrompt: 'Build an API',
  description: 'Write the handler', prompt: 'Write the handler', validationRules: ['compiles'], maxTokens: 1000,
  previousError: null, avoidWorker: null, snapshot: null,
  memory: {
    budgetTokens: 900,
    omitted: [],
    chunks: ['a', 'b', 'c'].map((id) => ({ id, type: 'code' as const, source: `${id}.ts`, content: id.repeat(600) })),
  },
};
const snapshot = { commit: 'c', files: [{ path: 'big.ts', content: 'x'.repeat(3000) }, { path: 'small.ts', content: 'y'.repeat(100) }] };

describe('fitPrompt', () => {
  it('shrinks repository files first, then drops the lowest-ranked memory, naming both', () => {
    const fitted = fitPrompt({ counter, system: 'sys', request, snapshot, contextChars: 8000, maxTokens: 1000 });
    expect(counter.countTokens(fitted.prompt)).toBeLessThanOrEqual(2000 - 1000 - 32 - 2);
    expect(fitted.memory!.chunks.map((c) => c.id)).toEqual(['a', 'b']);
    expect(fitted.memory!.omitted.map((o) => o.id)).toEqual(['c']);
    expect(fitted.prompt).toContain('1 more relevant chunk(s) left out for lack of room, from: c.ts');
    expect(fitted.prompt).not.toContain('x'.repeat(100));
  });

  it('keeps everything when it fits', () => {
    const roomy: TokenCounter = { contextSize: 32_000, countTokens: counter.countTokens };
    const fitted = fitPrompt({ counter: roomy, system: 'sys', request, snapshot, contextChars: 8000, maxTokens: 1000 });
    expect(fitted.memory!.chunks).toHaveLength(3);
    expect(fitted.prompt).toContain('--- big.ts');
  });

  it('builds the prompt as asked when the model cannot count tokens', () => {
    const fitted = fitPrompt({ counter: null, system: 'sys', request, snapshot, contextChars: 8000, maxTokens: 1000 });
    expect(fitted.memory).toBe(request.memory);
  });
});
