import { z } from 'zod';
import { safePathProblem } from './safe-path.js';

/**
 * A recording for the `replay` model provider: model answers written down
 * ahead of time, so the whole pipeline (planning, workers, validation rules,
 * acceptance, fix tasks) runs offline with competent answers. Each entry is
 * matched against what a real model would read (system prompt, a newline,
 * then the prompt); the first entry that matches answers, and the request's
 * attempt number (its `seed`, 1 when absent) picks the answer, the last one
 * being repeated past the end.
 */
export const RECORDING_VERSION = 1;

/** Caps that keep a recording a reviewable file, not a data dump. */
export const RECORDING_LIMITS = { maxEntries: 500, maxAttempts: 20, maxMatchChars: 500, maxTextChars: 200_000 } as const;

/** A file beside the recording: relative, plain segments, never `..`; read without following links. */
const AnswerFile = z
  .string()
  .min(1)
  .superRefine((path, ctx) => {
    const problem = safePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: `must be a file beside the recording: ${problem}` });
  });

/** Exactly one of: inline text, a file holding the text, or a JSON value (for generateJson). */
export const RecordedAnswer = z
  .strictObject({
    text: z.string().max(RECORDING_LIMITS.maxTextChars).optional(),
    textFile: AnswerFile.optional(),
    json: z.unknown().optional(),
  })
  .superRefine((answer, ctx) => {
    const given = (['text', 'textFile', 'json'] as const).filter((key) => answer[key] !== undefined);
    if (given.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `an answer has exactly one of text, textFile or json; this one has ${given.length ? given.join(' and ') : 'none'}` });
    }
  });
export type RecordedAnswer = z.infer<typeof RecordedAnswer>;

/** Why a `match` cannot be used, or null: it is compiled with the `m` flag, so ^ and $ match at line ends. */
export function matchProblem(source: string): string | null {
  try {
    new RegExp(source, 'm');
    return null;
  } catch (error) {
    return `not a regular expression: ${(error as Error).message}`;
  }
}

export const RecordingEntry = z.strictObject({
  /** A regular expression (flag `m`) tested against system + "\n" + prompt. */
  match: z
    .string()
    .min(1)
    .max(RECORDING_LIMITS.maxMatchChars)
    .superRefine((source, ctx) => {
      const problem = matchProblem(source);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  /** What this entry stands for, for the people who read the recording. */
  note: z.string().max(500).optional(),
  /** Answer for attempt 1, 2, …; the last one answers every later attempt. */
  attempts: z.array(RecordedAnswer).min(1).max(RECORDING_LIMITS.maxAttempts),
});
export type RecordingEntry = z.infer<typeof RecordingEntry>;

export const Recording = z.strictObject({
  type: z.literal('replay.recording'),
  version: z.literal(RECORDING_VERSION),
  description: z.string().max(2000).optional(),
  /** First match wins, so put specific entries before general ones. */
  answers: z.array(RecordingEntry).min(1).max(RECORDING_LIMITS.maxEntries),
});
export type Recording = z.infer<typeof Recording>;
