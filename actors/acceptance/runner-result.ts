import { z } from 'zod';
import { RESULT_MARKER, type RunnerResult } from './runner-protocol.js';

const Counted = z.union([z.string(), z.number()]);

/** The runner's report as it comes out of the sandbox: untrusted until it parses. */
const RunnerResultSchema = z.object({
  started: z.boolean(),
  problem: z.string().nullable(),
  port: z.number().int(),
  startMs: z.number().nonnegative(),
  log: z.string(),
  outcomes: z.array(
    z.object({
      id: z.string(),
      steps: z.array(
        z.object({
          sent: z.object({ method: z.string(), path: z.string(), body: z.string().nullable() }).nullable(),
          response: z.object({ status: z.number().int(), contentType: z.string().nullable(), body: z.string(), truncated: z.boolean() }).nullable(),
          error: z.string().nullable(),
          captured: z.record(z.string(), Counted),
          durationMs: z.number().nonnegative(),
        }),
      ),
    }),
  ),
  commandOutcomes: z.array(
    z.object({
      id: z.string(),
      notRun: z.string().nullable(),
      exitCode: z.number().int().nullable(),
      signal: z.string().nullable(),
      timedOut: z.boolean(),
      output: z.string(),
      stdoutMatched: z.boolean().nullable(),
      matchProblem: z.string().nullable(),
      durationMs: z.number().nonnegative(),
    }),
  ),
}) satisfies z.ZodType<RunnerResult>;

/** The last marked line of the runner's stdout, parsed; a string says why there is none. */
export function parseRunnerOutput(stdout: string): RunnerResult | string {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(RESULT_MARKER));
  if (!line) return 'the checker in the sandbox printed no result';
  let raw: unknown;
  try {
    raw = JSON.parse(line.slice(RESULT_MARKER.length));
  } catch {
    return 'the checker in the sandbox printed a result that is not JSON (cut short by the output limit?)';
  }
  const parsed = RunnerResultSchema.safeParse(raw);
  return parsed.success ? parsed.data : `the checker's result does not have the expected shape: ${parsed.error.issues[0]?.message ?? 'unknown'}`;
}
