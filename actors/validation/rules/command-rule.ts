import type { RuleResult } from '../../../proto/index.js';
import { excerpt } from '../../sandbox-app/excerpt.js';
import { matchOutput } from './output-pattern.js';
import type { RuleContext, RuleOf } from './rule-context.js';
import { NO_SANDBOX, ruleResult } from './rule-result.js';

/** `sh -c COMMAND` in the sandbox, in the tree's root, network off; exit 0 (and the output pattern, when given) passes. */
export async function commandSucceeds(rule: RuleOf<'command_succeeds'>, ctx: RuleContext): Promise<RuleResult> {
  const started = performance.now();
  if (!ctx.sandbox) return ruleResult(rule, 'unverified', NO_SANDBOX, started);
  const timeoutMs = ctx.timeouts.commandMs;
  const run = await ctx.sandbox.run(['sh', '-c', rule.command], {
    workspace: ctx.workspace,
    network: 'none',
    timeoutMs,
    ...(ctx.limits ? { limits: ctx.limits } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  ctx.signal?.throwIfAborted();
  const log = excerpt(`${run.stdout}\n${run.stderr}`, 40, 4000);
  if (run.timedOut) return ruleResult(rule, 'failed', `\`${rule.command}\` did not finish within ${timeoutMs} ms`, started, log);
  if (run.oomKilled) return ruleResult(rule, 'failed', `\`${rule.command}\` was killed for exceeding the memory limit`, started, log);
  if (run.exitCode !== 0) return ruleResult(rule, 'failed', `\`${rule.command}\` exited with ${run.exitCode}`, started, log);
  if (rule.stdoutMatches !== null) {
    const outcome = matchOutput(rule.stdoutMatches, run.stdout);
    if (outcome.kind === 'invalid') return ruleResult(rule, 'unverified', `the rule's output pattern is not a valid regular expression (${outcome.why})`, started);
    if (outcome.kind === 'too_slow') return ruleResult(rule, 'unverified', "the rule's output pattern took too long to match; it backtracks too much", started, log);
    if (outcome.kind === 'not_matched') return ruleResult(rule, 'failed', `\`${rule.command}\` exited 0 but its output does not match /${rule.stdoutMatches}/`, started, log);
  }
  return ruleResult(rule, 'passed', `\`${rule.command}\` exited 0 in ${Math.round(run.durationMs)} ms`, started);
}
