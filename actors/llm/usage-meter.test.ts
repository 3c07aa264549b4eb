import { describe, expect, it } from 'vitest';
import { ProtocolError, type ModelUsage } from '../../proto/index.js';
import type { GenerationRequest, LanguageModel } from './language-model.js';
import { meterModel } from './usage-meter.js';

/** A model that reports progress tokens one by one, then answers, fails, or waits to be aborted. */
function fakeModel(behaviour: { tokens: number; costUsd?: number; fail?: 'refused' | 'aborted' }): LanguageModel {
  const run = async (request: GenerationRequest) => {
    for (let i = 1; i <= behaviour.tokens; i++) request.onProgress?.(i);
    if (behaviour.fail === 'refused') throw new ProtocolError('model_output_invalid', 'off schema', undefined, { tokens: behaviour.tokens });
    if (behaviour.fail === 'aborted') throw new Error('aborted');
    return { value: 'x', tokens: behaviour.tokens, ...(behaviour.costUsd !== undefined ? { costUsd: behaviour.costUsd } : {}) };
  };
  return { name: 'fake', generateJson: run, generateText: run, close: async () => {} };
}

const total = (reports: ModelUsage[]) => reports.reduce((s, r) => ({ tokens: s.tokens + r.tokens, costUsd: (s.costUsd ?? 0) + (r.costUsd ?? 0) }), { tokens: 0, costUsd: 0 });

describe('meterModel', () => {
  it('reports a call\'s tokens as they come and its dollars at the end, each once', async () => {
    const reports: ModelUsage[] = [];
    let clock = 0;
    const model = meterModel(fakeModel({ tokens: 10, costUsd: 0.003 }), (r) => reports.push(r), { intervalMs: 3, now: () => clock++ });
    const seen: number[] = [];
    await model.generateText({ system: 's', prompt: 'p', grammar: 'g', maxTokens: 50, onProgress: (t) => seen.push(t) });
    expect(seen).toHaveLength(10); // the caller's own progress still arrives
    expect(reports.length).toBeGreaterThan(1);
    expect(total(reports)).toEqual({ tokens: 10, costUsd: 0.003 });
  });

  it('counts a refused answer\'s tokens, and what an aborted call had generated', async () => {
    const reports: ModelUsage[] = [];
    await expect(meterModel(fakeModel({ tokens: 7, fail: 'refused' }), (r) => reports.push(r)).generateJson({ system: 's', prompt: 'p', schema: { type: 'string' }, maxTokens: 50 })).rejects.toThrow('off schema');
    expect(total(reports).tokens).toBe(7);
    const aborted: ModelUsage[] = [];
    await expect(meterModel(fakeModel({ tokens: 12, fail: 'aborted' }), (r) => aborted.push(r)).generateJson({ system: 's', prompt: 'p', schema: { type: 'string' }, maxTokens: 50 })).rejects.toThrow('aborted');
    expect(total(aborted).tokens).toBe(12);
  });
});
