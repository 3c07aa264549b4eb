/**
 * Exit codes are part of the CLI's contract; scripts branch on them. Apart
 * from errors.ts (which needs proto/ and so zod) so `autodev --help` exits
 * with one without loading either.
 */
export const EXIT = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  unreachable: 3,
} as const;
