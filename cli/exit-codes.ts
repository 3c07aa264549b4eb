/**
 * Exit codes are part of the CLI's contract; scripts branch on them. Apart
 * from errors.ts (which needs proto/ and so zod) so `autodev --help` exits
 * with one without loading either.
 */
export const EXIT = {
  ok: 0,
  jobFailed: 1,
  usage: 2,
  /** The daemon, or something it needs (a download host), cannot be reached now: not the user's arguments. */
  unreachable: 3,
} as const;
