import type { RuleResult, ValidationFailure } from '../../../proto/index.js';
import { runTestStage } from '../test-stages.js';
import { nodeTest, npmScript, scriptsOf, type TestCommand } from '../test-plan.js';
import { isScript, readWorkspaceFiles, type WorkspaceFile } from '../workspace-files.js';
import { matchGlob } from './glob.js';
import type { RuleContext, RuleOf } from './rule-context.js';
import { NO_SANDBOX, ruleResult } from './rule-result.js';
import { unitRunCovers, unitRunWas } from './unit-run-reuse.js';

const JS = /\.(m|c)?js$/i;

/**
 * How the rule's test files run. Plain JavaScript files run by themselves
 * under node:test, exactly those files, unless the project's own test script
 * names another runner; then that script runs (all the project's tests).
 * TypeScript files need the project's runner installed.
 */
export function testCommandFor(root: string, files: readonly WorkspaceFile[], matched: readonly string[]): TestCommand {
  const scripts = scriptsOf(files);
  const script = npmScript(root, scripts, 'test');
  const scriptIsNodeTest = script?.kind === 'run' && (script.tap || /^\s*node\b/.test(scripts.test ?? ''));
  if (matched.every((p) => JS.test(p)) && (script === null || script.kind === 'skip' || scriptIsNodeTest)) return nodeTest([...matched], false);
  if (script?.kind === 'run') return script;
  if (script?.kind === 'skip') return script;
  return { kind: 'skip', reason: `${matched.filter((p) => !JS.test(p)).length} test file(s) need the project's test runner, and package.json has no test script` };
}

/** node:test's top-level results that are tests, not files standing in for tests they do not declare. */
export function declaredTests(tapOutput: string, files: readonly string[], hostRoot: string): number {
  // The sandbox shows the tree at /workspace; a backend without one shows the host's path.
  const fileNames = new Set(files.flatMap((f) => [f, `/workspace/${f}`, `${hostRoot.replace(/\/$/, '')}/${f}`]));
  let count = 0;
  for (const match of tapOutput.matchAll(/^(?:not )?ok \d+ - (.*)$/gm)) if (!fileNames.has((match[1] as string).trim())) count += 1;
  return count;
}

function failureLines(failures: readonly ValidationFailure[]): string {
  return failures
    .slice(0, 8)
    .map((f) => `${f.file ?? '(project)'}${f.line ? `:${f.line}` : ''} ${f.message}\n${f.logExcerpt}`)
    .join('\n\n');
}

/** Test files matching the glob exist (failed if none), and pass under the project's runner in the sandbox, network off. */
export async function testsPass(rule: RuleOf<'tests_pass'>, ctx: RuleContext): Promise<RuleResult> {
  const started = performance.now();
  const files = await readWorkspaceFiles(ctx.workspace);
  const matched = matchGlob(rule.glob, files.map((f) => f.path)).filter(isScript);
  if (matched.length === 0) return ruleResult(rule, 'failed', `no test file matches ${rule.glob}; write the tests there`, started);
  if (!ctx.sandbox) return ruleResult(rule, 'unverified', `${matched.length} test file(s) match ${rule.glob}, but ${NO_SANDBOX}`, started);
  if (unitRunCovers(ctx.unitRun, matched, ctx.workspace)) {
    return ruleResult(rule, 'passed', `${matched.length} test file(s) matching ${rule.glob} ran and passed in this tree's unit_tests run (${ctx.unitRun?.argv.join(' ')}), each declaring tests`, started);
  }
  const command = testCommandFor(ctx.workspace, files, matched);
  if (command.kind === 'skip') return ruleResult(rule, 'unverified', `${matched.length} test file(s) match ${rule.glob}, but they cannot run: ${command.reason}`, started);
  if (unitRunWas(ctx.unitRun, command.argv)) {
    // The same command ran on this tree in the unit_tests stage and passed; only the rule's own check of its output is left.
    if (command.tap && declaredTests(ctx.unitRun.output, matched, ctx.workspace) === 0) {
      return ruleResult(rule, 'failed', `${matched.length} file(s) match ${rule.glob}, but they declare no tests (the unit_tests run of ${command.argv.join(' ')})`, started);
    }
    return ruleResult(rule, 'passed', `${matched.length} test file(s) matching ${rule.glob}: ${command.argv.join(' ')} passed in this tree's unit_tests run, the command this rule runs`, started);
  }
  const { result, output } = await runTestStage('unit_tests', command, {
    sandbox: ctx.sandbox,
    root: ctx.workspace,
    files,
    timeoutMs: ctx.timeouts.testMs,
    ...(ctx.limits ? { limits: ctx.limits } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.signal?.throwIfAborted();
  if (result.status === 'failed') {
    const first = result.failures[0];
    const where = first ? `; first: ${first.file ?? '(project)'}${first.line ? `:${first.line}` : ''} ${first.message}` : '';
    return ruleResult(rule, 'failed', `${result.summary}${where}`, started, failureLines(result.failures));
  }
  // node:test counts a file that declares no test as one passing test named by its path: that shows nothing.
  if (command.tap && declaredTests(output, matched, ctx.workspace) === 0) {
    return ruleResult(rule, 'failed', `${matched.length} file(s) match ${rule.glob}, but they declare no tests (${result.summary})`, started);
  }
  return ruleResult(rule, 'passed', `${matched.length} test file(s) matching ${rule.glob}: ${result.summary}`, started);
}
