import type { RuleResult } from '../../../proto/index.js';
import type { RuleOf } from './rule-context.js';
import { jsonErrorLine } from './json-error-line.js';
import { ruleResult } from './rule-result.js';
import { readTreeFile, unreadable } from './tree-file.js';

/*
 * The rules that read one file of the candidate tree. Details name the path
 * and what was expected, never the file's content: a fix task and a terminal
 * see them, and the file was written by a model.
 */

export async function fileExists(rule: RuleOf<'file_exists'>, workspace: string): Promise<RuleResult> {
  const started = performance.now();
  const file = await readTreeFile(workspace, rule.path);
  if (file.kind !== 'file') return ruleResult(rule, 'failed', unreadable(rule.path, file), started);
  return ruleResult(rule, 'passed', `${rule.path} exists (${file.bytes.byteLength} bytes)`, started);
}

export async function jsonValid(rule: RuleOf<'json_valid'>, workspace: string): Promise<RuleResult> {
  const started = performance.now();
  const file = await readTreeFile(workspace, rule.path);
  if (file.kind !== 'file') return ruleResult(rule, 'failed', unreadable(rule.path, file), started);
  const text = file.bytes.toString('utf8').replace(/^\uFEFF/, '');
  try {
    JSON.parse(text);
  } catch {
    const line = jsonErrorLine(text);
    return ruleResult(rule, 'failed', `${rule.path} is not valid JSON${line === null ? '' : ` at line ${line}`}`, started);
  }
  return ruleResult(rule, 'passed', `${rule.path} is valid JSON`, started);
}

export async function fileMentions(rule: RuleOf<'file_mentions'>, workspace: string): Promise<RuleResult> {
  const started = performance.now();
  const file = await readTreeFile(workspace, rule.path);
  if (file.kind !== 'file') return ruleResult(rule, 'failed', unreadable(rule.path, file), started);
  const text = file.bytes.toString('utf8');
  // The texts are the rule's own (paths, names), so naming the missing ones echoes nothing of the file.
  const missing = rule.texts.filter((t) => !text.includes(t));
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).join(', ');
    return ruleResult(rule, 'failed', `${rule.path} does not mention ${shown}${missing.length > 10 ? ` and ${missing.length - 10} more` : ''}`, started);
  }
  return ruleResult(rule, 'passed', `${rule.path} mentions all ${rule.texts.length} text(s)`, started);
}
