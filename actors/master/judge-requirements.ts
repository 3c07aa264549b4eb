import type { AcceptanceCheckResult, AcceptanceReport, AcceptanceSuite, RequirementCheck, RequirementResult } from '../../proto/index.js';
import type { RequirementPlan, RequirementRule } from '../analysis/requirement-plan.js';
import { describeStackRule, stackCheckId, type StackRule } from '../analysis/stack-rules.js';
import type { StackFindings } from '../validation/stack-findings.js';
import { isScript, isTestFile } from '../validation/workspace-files.js';

/** What one round found, which the requirements are judged by. */
export interface RequirementEvidence {
  /** The round's acceptance report (with its restart checks); null when the app was not run. */
  report: AcceptanceReport | null;
  /** The project's own tests: null when it has none. */
  tests: { status: 'passed' | 'failed' | 'unverified'; summary: string } | null;
  /** The tree's stack; null when it could not be read. */
  stack: StackFindings | null;
  /** Why the app could not be run at all, when it could not. */
  notRun?: string;
  /** The frozen suite, which says which operation a sequence check puts to the test. */
  suite?: AcceptanceSuite | null;
}

interface Outcome {
  status: RequirementCheck['status'];
  /** The ids of what decided it. */
  checks: string[];
  detail: string;
}

const LANGUAGE_EXTENSIONS: Record<string, RegExp> = {
  TypeScript: /\.(m|c)?tsx?$/i,
  JavaScript: /\.(m|c)?jsx?$/i,
  Python: /\.py$/i,
};
/** Tool configuration at the root (eslint.config.js, vitest.config.mjs) is not the app's source, whatever its language. */
const ROOT_CONFIG = /^[^/]+\.config\.(m|c)?(j|t)s$/i;

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Every requirement's verdict: failed when any of its rules failed, not
 * checkable when none failed and some could not be checked (or it has no
 * rule at all), passed when every rule passed. Pure: the same evidence
 * always gives the same verdicts.
 */
export function judgeRequirements(plans: readonly RequirementPlan[], evidence: RequirementEvidence): { requirements: RequirementResult[]; checks: RequirementCheck[] } {
  const checks = new Map<string, RequirementCheck>();
  const requirements = plans.map((plan): RequirementResult => {
    if (plan.rules.length === 0) {
      return { id: plan.id, text: plan.text, verdict: 'not_checkable', checks: [], reason: 'no executable check covers it: it names no operation of the spec, stack choice, test or file autodev can check' };
    }
    const outcomes = plan.rules.map((rule) => {
      const outcome = judgeRule(rule, evidence);
      const id = ruleCheckId(rule);
      if (id) checks.set(id, { id, title: ruleTitle(rule), status: outcome.status, detail: outcome.detail });
      return outcome;
    });
    const ids = [...new Set(outcomes.flatMap((o) => o.checks))];
    const failed = outcomes.filter((o) => o.status === 'failed');
    const unverified = outcomes.filter((o) => o.status === 'unverified');
    if (failed.length > 0) return { id: plan.id, text: plan.text, verdict: 'failed', checks: ids, reason: clip(failed.map((o) => o.detail).join('; '), 600) };
    if (unverified.length > 0) return { id: plan.id, text: plan.text, verdict: 'not_checkable', checks: ids, reason: clip(unverified.map((o) => o.detail).join('; '), 600) };
    return { id: plan.id, text: plan.text, verdict: 'passed', checks: ids, reason: clip(outcomes.map((o) => o.detail).join('; '), 600) };
  });
  return { requirements, checks: [...checks.values()] };
}

/** The id a rule's own check is listed under (acceptance checks keep their own ids). */
function ruleCheckId(rule: RequirementRule): string | null {
  switch (rule.kind) {
    case 'language':
    case 'runtime':
    case 'package':
    case 'database':
      return stackCheckId(rule);
    case 'project_tests':
      return 'project.tests';
    case 'file':
      return `files.${rule.label.replace(/\s+/g, '-')}`;
    case 'file_mentions':
      return `files.${rule.path}.mentions`;
    default:
      return null;
  }
}

function ruleTitle(rule: RequirementRule): string {
  switch (rule.kind) {
    case 'language':
    case 'runtime':
    case 'package':
    case 'database':
      return describeStackRule(rule);
    case 'project_tests':
      return "the project's own tests exist and pass";
    case 'file':
      return `${rule.label} exists (${rule.paths.join(' or ')})`;
    case 'file_mentions':
      return `${rule.path} names every endpoint`;
    default:
      return rule.kind;
  }
}

function judgeRule(rule: RequirementRule, evidence: RequirementEvidence): Outcome {
  switch (rule.kind) {
    case 'operations':
      return judgeChecks(evidence, (c) => operationsUnderTest(c, evidence.suite).some((op) => rule.operationIds.includes(op)), `the acceptance checks of ${rule.operationIds.join(', ')}`, 'acceptance check(s)');
    case 'check_kinds':
      return judgeChecks(evidence, (c) => rule.kinds.includes(c.kind), `the ${rule.label} checks`, `${rule.label} check(s)`);
    case 'project_tests':
      return judgeTests(evidence);
    case 'file':
    case 'file_mentions':
      return judgeFile(rule, evidence);
    default:
      return judgeStack(rule, evidence);
  }
}

/**
 * The operations a check judges. A sequence is named after the create it
 * starts with, but a delete or update sequence tests the delete or the
 * update: "create, delete, list" failing is the delete's fault, not the create's.
 */
function operationsUnderTest(check: AcceptanceCheckResult, suite: AcceptanceSuite | null | undefined): string[] {
  const methods = check.kind === 'delete' ? ['delete'] : check.kind === 'update' ? ['put', 'patch'] : null;
  const steps = suite?.checks.find((c) => c.id === check.id)?.steps ?? [];
  const tested = methods ? [...new Set(steps.filter((s) => methods.includes(s.request.method)).map((s) => s.operationId))] : [];
  return tested.length > 0 ? tested : [check.operationId];
}

function judgeChecks(evidence: RequirementEvidence, pick: (c: AcceptanceCheckResult) => boolean, what: string, noun: string): Outcome {
  if (!evidence.report) return { status: 'unverified', checks: [], detail: `${what} did not run: ${evidence.notRun ?? 'the app was not run'}` };
  const mine = evidence.report.checks.filter(pick);
  const ids = mine.map((c) => c.id);
  if (mine.length === 0) return { status: 'unverified', checks: [], detail: `the acceptance suite has no check for this (${what})` };
  const bad = mine.filter((c) => c.status === 'failed' || c.status === 'blocked');
  if (bad.length > 0) return { status: 'failed', checks: ids, detail: `${bad.length} of ${mine.length} ${noun} failed: ${bad.slice(0, 3).map((c) => `${c.id} (${c.actual.problem ?? c.status})`).join('; ')}` };
  const open = mine.filter((c) => c.status === 'unverified');
  if (open.length > 0) return { status: 'unverified', checks: ids, detail: `${open.length} of ${mine.length} ${noun} could not run: ${open[0]?.actual.problem ?? 'unverified'}` };
  return { status: 'passed', checks: ids, detail: `${mine.length} ${noun} passed` };
}

function judgeTests(evidence: RequirementEvidence): Outcome {
  const ids = ['project.tests'];
  if (!evidence.report && !evidence.tests) return { status: 'unverified', checks: ids, detail: `the project's tests did not run: ${evidence.notRun ?? 'the app was not run'}` };
  if (!evidence.tests) return { status: 'failed', checks: ids, detail: 'the project has no tests of its own' };
  const summary = clip(evidence.tests.summary, 200);
  if (evidence.tests.status === 'passed') return { status: 'passed', checks: ids, detail: `the project's tests passed (${summary})` };
  if (evidence.tests.status === 'failed') return { status: 'failed', checks: ids, detail: `the project's tests failed: ${summary}` };
  return { status: 'unverified', checks: ids, detail: `the project's tests could not run: ${summary}` };
}

function judgeFile(rule: Extract<RequirementRule, { kind: 'file' | 'file_mentions' }>, evidence: RequirementEvidence): Outcome {
  const id = ruleCheckId(rule) ?? rule.kind;
  if (!evidence.stack) return { status: 'unverified', checks: [id], detail: "the app's files could not be read" };
  const paths = evidence.stack.files.map((f) => f.path);
  if (rule.kind === 'file') {
    const found = rule.paths.find((p) => (p.endsWith('/') ? paths.some((f) => f.startsWith(p)) : paths.includes(p)));
    return found ? { status: 'passed', checks: [id], detail: `${found} exists` } : { status: 'failed', checks: [id], detail: `no ${rule.label}: ${rule.paths.join(' or ')} is missing` };
  }
  const file = evidence.stack.files.find((f) => f.path === rule.path);
  if (!file) return { status: 'failed', checks: [id], detail: `${rule.path} is missing` };
  const missing = rule.texts.filter((t) => !file.content.includes(t));
  return missing.length === 0
    ? { status: 'passed', checks: [id], detail: `${rule.path} names all ${rule.texts.length} endpoint path(s)` }
    : { status: 'failed', checks: [id], detail: `${rule.path} does not name ${missing.slice(0, 5).join(', ')}` };
}

function judgeStack(rule: StackRule, evidence: RequirementEvidence): Outcome {
  const id = stackCheckId(rule);
  const stack = evidence.stack;
  if (!stack) return { status: 'unverified', checks: [id], detail: "the app's files could not be read" };
  switch (rule.kind) {
    case 'language':
      return judgeLanguage(rule.language, stack, id);
    case 'runtime': {
      const starts = evidence.report?.checks.find((c) => c.kind === 'server_starts');
      if (!starts || starts.status === 'unverified') return { status: 'unverified', checks: [id], detail: `the app was not started, so its runtime is not shown: ${starts?.actual.problem ?? evidence.notRun ?? 'not run'}` };
      if (starts.status !== 'passed') return { status: 'failed', checks: [id, starts.id], detail: `the app did not start on Node.js ${process.version}: ${starts.actual.problem ?? 'failed'}` };
      return { status: 'passed', checks: [id, starts.id], detail: `the app started on Node.js ${process.version} in the sandbox` };
    }
    case 'package':
      return judgePackage(rule.name, rule.packages, rule.role === 'testing', stack, id);
    case 'database': {
      const driver = judgePackage(rule.name, rule.packages, false, stack, id);
      if (driver.status === 'failed') return driver;
      if (!rule.restart) return { status: 'unverified', checks: [id], detail: `${driver.detail}; whether data persists cannot be checked: no ${rule.name} server runs in the sandbox` };
      return judgeRestart(evidence, id, driver.detail);
    }
  }
}

function judgeLanguage(language: string, stack: StackFindings, id: string): Outcome {
  const ext = LANGUAGE_EXTENSIONS[language];
  const sources = stack.files.map((f) => f.path).filter((p) => (isScript(p) || /\.py$/i.test(p)) && !ROOT_CONFIG.test(p));
  if (!ext) return { status: 'unverified', checks: [id], detail: `autodev has no rule for ${language} sources` };
  const mine = sources.filter((p) => ext.test(p));
  const others = sources.filter((p) => !ext.test(p));
  if (mine.length === 0) return { status: 'failed', checks: [id], detail: `no ${language} source files: the ${sources.length} source file(s) are ${describeExtensions(others)}` };
  if (others.length > 0) return { status: 'failed', checks: [id], detail: `${others.length} source file(s) are not ${language}: ${others.slice(0, 4).join(', ')}` };
  if (language !== 'TypeScript') return { status: 'passed', checks: [id], detail: `all ${mine.length} source file(s) are ${language}` };
  const check = stack.typecheck;
  // "No TypeScript files" on a TypeScript job is the language not followed, never a pass.
  if (!check || check.status === 'unverified') return { status: 'failed', checks: [id], detail: `tsc --noEmit did not run: ${check?.summary ?? 'no type check'}` };
  if (check.status === 'failed') {
    const first = check.failures.slice(0, 2).map((f) => `${f.file ?? '(project)'}${f.line ? `:${f.line}` : ''} ${f.message}`).join('; ');
    return { status: 'failed', checks: [id], detail: `tsc --noEmit fails: ${check.summary}: ${first}` };
  }
  const tests = mine.filter(isTestFile).length;
  return { status: 'passed', checks: [id], detail: `all ${mine.length} source file(s) are .ts (${tests} test file(s)), and tsc --noEmit passes (${check.summary})` };
}

function describeExtensions(paths: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const p of paths) {
    const ext = /\.[^./]+$/.exec(p)?.[0] ?? '(none)';
    counts.set(ext, (counts.get(ext) ?? 0) + 1);
  }
  return counts.size === 0 ? 'none' : [...counts].map(([ext, n]) => `${n} ${ext}`).join(', ');
}

function judgePackage(name: string, packages: readonly string[], testing: boolean, stack: StackFindings, id: string): Outcome {
  const builtins = packages.filter((p) => p.startsWith('node:'));
  const declared = packages.filter((p) => stack.dependencies.has(p));
  const imports = testing ? new Set([...stack.testImports, ...stack.sourceImports]) : stack.sourceImports;
  const imported = [...declared, ...builtins].filter((p) => imports.has(p));
  if (declared.length === 0 && builtins.every((b) => !imports.has(b))) {
    const why = stack.manifestProblem ?? `none of ${packages.filter((p) => !p.startsWith('node:')).slice(0, 6).join(', ')} is a dependency in package.json`;
    return { status: 'failed', checks: [id], detail: `${name} is not used: ${why}` };
  }
  if (testing) {
    const runs = imported.length > 0 || Object.values(stack.scripts).some((s) => packages.some((p) => new RegExp(`\\b${p}\\b`).test(s)));
    return runs ? { status: 'passed', checks: [id], detail: `${name} (${declared.join(', ')}) is a dependency and runs the tests` } : { status: 'failed', checks: [id], detail: `${name} is a dependency, but neither a test nor a script uses it` };
  }
  if (imported.length === 0) return { status: 'failed', checks: [id], detail: `${declared.join(', ')} is a dependency, but no source file imports it` };
  return { status: 'passed', checks: [id], detail: `${imported.join(', ')} is ${builtins.some((b) => imported.includes(b)) ? 'built in' : 'a dependency'} and imported by the code` };
}

function judgeRestart(evidence: RequirementEvidence, id: string, driver: string): Outcome {
  const restart = evidence.report?.restart ?? [];
  const ids = [id, ...restart.map((c) => c.id)];
  if (!evidence.report) return { status: 'unverified', checks: ids, detail: `${driver}; the restart check did not run: ${evidence.notRun ?? 'the app was not run'}` };
  if (restart.length === 0) return { status: 'unverified', checks: ids, detail: `${driver}; no restart check ran (the spec has no create-then-read sequence, or the app did not start)` };
  const failed = restart.filter((c) => c.status === 'failed' || c.status === 'blocked');
  if (failed.length > 0) return { status: 'failed', checks: ids, detail: `data did not survive a restart of the app: ${failed.map((c) => `${c.id} (${c.actual.problem ?? 'failed'})`).slice(0, 2).join('; ')}` };
  const open = restart.filter((c) => c.status === 'unverified');
  if (open.length > 0) return { status: 'unverified', checks: ids, detail: `${driver}; the restart check could not run: ${open[0]?.actual.problem ?? 'unverified'}` };
  return { status: 'passed', checks: ids, detail: `${driver}; what was created before a restart of the app was read back after it (${restart.length} check(s))` };
}
