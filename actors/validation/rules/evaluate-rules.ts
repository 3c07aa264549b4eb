import type { RuleResult, ValidationRule } from '../../../proto/index.js';
import { evaluateAppRules, type AppRule } from './app-rules.js';
import { commandSucceeds } from './command-rule.js';
import { fileExists, fileMentions, jsonValid } from './file-rules.js';
import type { RuleContext } from './rule-context.js';
import { testsPass } from './tests-rule.js';

/**
 * Runs a task's rules on the candidate tree and returns one result per rule,
 * in the rules' order. The order of work is chosen so each rule judges the
 * committed tree, not what generated code left of it: files are read first;
 * then the app is copied and started once for every server_starts and http
 * rule; then commands and tests run in the tree itself, the tree restored
 * before each (ctx.restoreWorkspace) when code already ran in it.
 */
export async function evaluateRules(rules: readonly ValidationRule[], ctx: RuleContext): Promise<RuleResult[]> {
  const results = new Map<number, RuleResult>();
  let dirty = ctx.workspaceDirty ?? false;
  const pristine = async () => {
    if (dirty && ctx.restoreWorkspace) await ctx.restoreWorkspace();
    dirty = false;
  };
  const indexed = rules.map((rule, index) => ({ rule, index }));

  const fileRules = indexed.filter(({ rule }) => rule.kind === 'file_exists' || rule.kind === 'json_valid' || rule.kind === 'file_mentions');
  if (fileRules.length > 0) await pristine();
  for (const { rule, index } of fileRules) {
    ctx.signal?.throwIfAborted();
    if (rule.kind === 'file_exists') results.set(index, await fileExists(rule, ctx.workspace));
    else if (rule.kind === 'json_valid') results.set(index, await jsonValid(rule, ctx.workspace));
    else if (rule.kind === 'file_mentions') results.set(index, await fileMentions(rule, ctx.workspace));
  }

  const appRules = indexed.filter((e): e is { rule: AppRule; index: number } => e.rule.kind === 'server_starts' || e.rule.kind === 'http');
  if (appRules.length > 0) {
    ctx.signal?.throwIfAborted();
    // The app runs in a private copy, so the tree stays as it was.
    if (ctx.sandbox) await pristine();
    const judged = await evaluateAppRules(appRules.map((e) => e.rule), ctx);
    appRules.forEach(({ index }, i) => results.set(index, judged[i] as RuleResult));
  }

  for (const { rule, index } of indexed) {
    if (rule.kind !== 'command_succeeds' && rule.kind !== 'tests_pass') continue;
    ctx.signal?.throwIfAborted();
    await pristine();
    const result = rule.kind === 'command_succeeds' ? await commandSucceeds(rule, ctx) : await testsPass(rule, ctx);
    results.set(index, result);
    if (ctx.sandbox) dirty = true;
  }

  return rules.map((_, index) => {
    const result = results.get(index);
    if (!result) throw new Error(`rule ${index} was not evaluated`);
    return result;
  });
}
