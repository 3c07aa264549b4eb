import { z } from 'zod';
import { safePathProblem } from './safe-path.js';
import type { Role } from './task-role.js';

/**
 * A task's validation rules: executable checks, not prose. The Master gives
 * every task its rules at planning (from the spec's backbone, or under the
 * plan's grammar), the IntegrationEngine runs them on the exact tree that
 * would be committed, and a task is completed only when every rule passed.
 * A rule that could not run is `unverified`, which never counts as passed.
 */
const RulePath = z
  .string()
  .min(1)
  .max(200)
  .superRefine((path, ctx) => {
    const problem = safePathProblem(path);
    if (problem) ctx.addIssue({ code: 'custom', message: `unsafe path: ${problem}` });
  });

/** A glob over the tree: relative, forward slashes, `*` and `**` only. */
const RuleGlob = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_.*/-]+$/, 'a glob uses A-Z a-z 0-9 _ . - / and *')
  .refine((g) => !g.startsWith('/') && !g.split('/').includes('..'), 'a glob is relative and never uses ..');

export const FileExistsRule = z.strictObject({ kind: z.literal('file_exists'), path: RulePath });
export const JsonValidRule = z.strictObject({ kind: z.literal('json_valid'), path: RulePath });
/** The file names each text (a README naming every path, say). */
export const FileMentionsRule = z.strictObject({
  kind: z.literal('file_mentions'),
  path: RulePath,
  texts: z.array(z.string().min(1).max(200)).min(1).max(64),
});
/** A shell command run in the sandbox, in the tree's root, with the network off. */
export const CommandSucceedsRule = z.strictObject({
  kind: z.literal('command_succeeds'),
  command: z.string().min(1).max(500),
  /** A regular expression the standard output must match; null for any output. */
  stdoutMatches: z.string().max(200).nullable(),
});
/** The acceptance checks of these operations (the operation itself and its negative cases), against the started app. */
export const HttpRule = z.strictObject({
  kind: z.literal('http'),
  operationIds: z.array(z.string().min(1).max(100)).min(1).max(64),
});
/** Test files matching the glob exist, and the project's test runner passes them in the sandbox. */
export const TestsPassRule = z.strictObject({ kind: z.literal('tests_pass'), glob: RuleGlob });
/** The app installs, builds, starts (npm start) and listens on PORT. */
export const ServerStartsRule = z.strictObject({ kind: z.literal('server_starts') });

export const ValidationRule = z.discriminatedUnion('kind', [
  FileExistsRule,
  JsonValidRule,
  FileMentionsRule,
  CommandSucceedsRule,
  HttpRule,
  TestsPassRule,
  ServerStartsRule,
]);
export type ValidationRule = z.infer<typeof ValidationRule>;
export type ValidationRuleKind = ValidationRule['kind'];

/** `unverified`: the rule could not run here (no sandbox, no acceptance suite); it never counts as passed. */
export const RuleStatus = z.enum(['passed', 'failed', 'unverified']);
export type RuleStatus = z.infer<typeof RuleStatus>;

export const RuleResult = z.object({
  rule: ValidationRule,
  status: RuleStatus,
  /** One line a person (and a fix task) can act on: what was expected and what was found, never a file's content. */
  detail: z.string(),
  durationMs: z.number().int().nonnegative(),
  /** The tool output around a failure (test output, the app's log), for the fix task's prompt. */
  logExcerpt: z.string().optional(),
});
export type RuleResult = z.infer<typeof RuleResult>;

/**
 * The outcome of one attempt's checks. `passed` needs every rule passed and
 * nothing failed; `unverified` means nothing failed but something that
 * decides completion could not run.
 */
export const Verdict = z.enum(['passed', 'failed', 'unverified']);
export type Verdict = z.infer<typeof Verdict>;

export function verdictOf(statuses: readonly RuleStatus[], anyStageFailed: boolean): Verdict {
  if (anyStageFailed || statuses.includes('failed')) return 'failed';
  if (statuses.length === 0 || statuses.includes('unverified')) return 'unverified';
  return 'passed';
}

/** Model-written text shown in a line of a report: one screen line at most. */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The rule in words, for a worker's prompt and for reports. */
export function describeRule(rule: ValidationRule): string {
  switch (rule.kind) {
    case 'file_exists':
      return `${rule.path} exists`;
    case 'json_valid':
      return `${rule.path} is valid JSON`;
    case 'file_mentions':
      return `${rule.path} mentions ${rule.texts.slice(0, 8).join(', ')}${rule.texts.length > 8 ? ', …' : ''}`;
    case 'command_succeeds':
      return `\`${clip(rule.command, 120)}\` exits 0${rule.stdoutMatches ? ` and prints /${clip(rule.stdoutMatches, 60)}/` : ''}`;
    case 'http':
      return `the acceptance checks of ${rule.operationIds.join(', ')} pass against the running app`;
    case 'tests_pass':
      return `tests matching ${rule.glob} exist and pass`;
    case 'server_starts':
      return 'the app installs, builds and starts with npm start, listening on PORT';
  }
}

/**
 * What a task of each role must show when neither the spec nor the model gave
 * it rules (and what tasks of records older than executable rules get).
 */
export const DEFAULT_RULES_BY_ROLE: Readonly<Record<Role, readonly ValidationRule[]>> = {
  backend: [{ kind: 'server_starts' }],
  frontend: [{ kind: 'file_exists', path: 'package.json' }],
  testing: [{ kind: 'tests_pass', glob: '**/*.test.*' }],
  devops: [
    { kind: 'file_exists', path: 'package.json' },
    { kind: 'json_valid', path: 'package.json' },
  ],
  docs: [{ kind: 'file_exists', path: 'README.md' }],
};
