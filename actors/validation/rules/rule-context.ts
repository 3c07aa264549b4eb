import type { AcceptanceSuite, ValidationRule, ValidationRuleKind } from '../../../proto/index.js';
import type { Sandbox, SandboxLimits } from '../../sandbox/sandbox.js';
import type { DependencyCache } from '../../sandbox-app/deps-cache.js';
import type { UnitRun } from './unit-run-reuse.js';

export interface RuleTimeouts {
  /** One command_succeeds run. */
  commandMs: number;
  /** One tests_pass run. */
  testMs: number;
  /** The app's dependency install and build, before server_starts and http rules. */
  installMs: number;
  buildMs: number;
  /** Until the app listens on PORT. */
  startMs: number;
  /** Every http check of the task, together. */
  checksMs: number;
}

export const DEFAULT_RULE_TIMEOUTS: RuleTimeouts = {
  commandMs: 60_000,
  testMs: 120_000,
  installMs: 300_000,
  buildMs: 180_000,
  startMs: 30_000,
  checksMs: 120_000,
};

/** What a task's rules are run against: the candidate tree and what may run it. */
export interface RuleContext {
  /** The exported candidate tree: exactly what would be committed (plus a kept node_modules). */
  workspace: string;
  /** Null when no backend can run generated code: the rules that need one are unverified. */
  sandbox: Sandbox | null;
  /** The job's frozen acceptance suite; null when it has none (http rules are then unverified). */
  suite: AcceptanceSuite | null;
  /** Why `suite` is null when the job should have one (its file could not be read): http rules say so. */
  suiteProblem?: string;
  /** A private folder the app is copied into for server_starts and http rules; removed afterwards. */
  scratchDir: string;
  timeouts: RuleTimeouts;
  limits?: Partial<SandboxLimits>;
  signal?: AbortSignal;
  /**
   * Puts the workspace back to exactly the candidate tree. Generated code
   * run in it (the pipeline's tests, a command rule) can rewrite any file,
   * so every rule that reads or copies the tree after such a run gets it
   * restored first; without this, such rules see the tree as left.
   */
  restoreWorkspace?: () => Promise<void>;
  /** True when generated code already ran in the workspace since it was exported. */
  workspaceDirty?: boolean;
  /** The job's installed dependencies, kept between the app runs of its rules. */
  depsCache?: DependencyCache;
  /** The unit_tests stage's run of this same tree, when it ran: a tests_pass rule it already answers is not run again. */
  unitRun?: UnitRun;
}

/** The rule of one kind, narrowed from the union. */
export type RuleOf<K extends ValidationRuleKind> = Extract<ValidationRule, { kind: K }>;
