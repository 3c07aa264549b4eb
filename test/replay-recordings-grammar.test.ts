import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRecording } from '../actors/llm/replay-recording.js';
import type { FileSectionLimits } from '../actors/worker/file-sections.js';
import { REPO_ROOT } from './helpers/env.js';
import { fitsFileSectionGrammar } from './helpers/file-section-grammar.js';

/**
 * Every recorded answer of examples/todo-api is one a grammar-constrained
 * local model could have produced: it fits the worker's answer grammar under
 * the daemon's default limits (daemon/config.ts), edits allowed only in the
 * integration fixes. The replay model does not enforce the grammar, so this
 * is what keeps the recordings honest; test/replay-pipeline-*.test.ts runs
 * them through the daemon.
 */
const LIMITS: FileSectionLimits = { maxFiles: 6, maxLinesPerFile: 300, maxLineChars: 200, maxSummaryChars: 160 };
const RECORDINGS = ['correct', 'buggy', 'never-fixed'] as const;

describe.each(RECORDINGS)('the %s recording of examples/todo-api', (name) => {
  it("answers every task within the worker's grammar, and each integration fix with edits of src/routes/items.ts", async () => {
    const recording = await loadRecording(join(REPO_ROOT, 'examples', 'todo-api', 'recordings', name, 'recording.json'));
    const texts = recording.entries.flatMap((entry) => entry.attempts.map((answer) => ({ task: entry.source, answer })));
    const fixes = texts.filter(({ task }) => /accept\d/.test(task));
    expect(texts.filter(({ answer }) => answer.kind === 'text').length).toBe(7 + (name === 'correct' ? 0 : name === 'buggy' ? 1 : 3));
    expect(fixes.length).toBe(name === 'correct' ? 0 : name === 'buggy' ? 1 : 3);
    for (const { task, answer } of texts) {
      if (answer.kind !== 'text') continue;
      const isFix = fixes.some((f) => f.task === task);
      expect(fitsFileSectionGrammar(answer.text, LIMITS, { edits: isFix }), `${task}: the answer fits the file-section grammar`).toBe(true);
      if (isFix) expect(answer.text).toContain('@@@ EDIT src/routes/items.ts');
    }
  });

  it('holds answers the grammar refuses to fit, so the check above can fail', async () => {
    const recording = await loadRecording(join(REPO_ROOT, 'examples', 'todo-api', 'recordings', name, 'recording.json'));
    const first = recording.entries.flatMap((e) => e.attempts).find((a) => a.kind === 'text');
    if (first?.kind !== 'text') throw new Error('the recording has no text answer');
    expect(fitsFileSectionGrammar(first.text.replace('@@@ SUMMARY', '@@@ SUMMRY'), LIMITS, { edits: false })).toBe(false);
    expect(fitsFileSectionGrammar(first.text, { ...LIMITS, maxFiles: 1 }, { edits: false })).toBe(false);
  });
});
