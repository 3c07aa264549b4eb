import type { AcceptanceCheck, AcceptanceSuite, CommandCheck, ParamValue } from '../../proto/index.js';
import { clipUnits } from '../../machines/plan-repair.js';
import { ACCEPTANCE_PLAN_LIMITS, AcceptanceCheckPlan, type AcceptancePlan, type CommandCheckPlan, type HttpCheckPlan } from '../../proto/acceptance-plan.js';

/** Every check written from the prompt names this operation, so reports can tell them from spec-derived ones. */
export const PROMPT_OPERATION_ID = 'prompt';

/**
 * The suite the Master freezes for a job without a spec: each HTTP check
 * becomes a one-step `scenario` check, each command check a CommandCheck.
 */
export function suiteFromAcceptancePlan(plan: AcceptancePlan, title: string): AcceptanceSuite {
  const checks: AcceptanceCheck[] = [];
  const commands: CommandCheck[] = [];
  for (const check of plan.checks) {
    if (check.kind === 'http') checks.push(scenarioCheck(check, checks.length + 1));
    else commands.push(commandCheck(check, commands.length + 1));
  }
  return { type: 'acceptance.suite', title, checks, commands, source: 'prompt', schemas: {}, dialect: 'draft-07' };
}

function scenarioCheck(check: HttpCheckPlan, n: number): AcceptanceCheck {
  const [pathname = '/', search = ''] = splitQuery(check.path);
  const query: Record<string, ParamValue> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = { value };
  return {
    id: `prompt.scenario.${n}`,
    operationId: PROMPT_OPERATION_ID,
    kind: 'scenario',
    title: check.title,
    unverifiable: null,
    steps: [
      {
        name: check.title,
        operationId: PROMPT_OPERATION_ID,
        request: {
          method: check.method,
          path: pathname,
          pathParams: {},
          query,
          headers: {},
          body: check.body === null ? null : { kind: 'json', value: JSON.parse(check.body) },
        },
        expect: {
          statuses: [check.expectStatus],
          statusClass: check.expectStatus < 400 ? '2xx' : '4xx',
          media: {},
          list: null,
          assertions: check.bodyIncludes.length > 0 ? [{ type: 'body_includes', texts: check.bodyIncludes }] : [],
        },
        capture: [],
      },
    ],
  };
}

function splitQuery(path: string): [string, string] {
  const at = path.indexOf('?');
  return at === -1 ? [path, ''] : [path.slice(0, at) || '/', path.slice(at + 1)];
}

function commandCheck(check: CommandCheckPlan, n: number): CommandCheck {
  return { id: `prompt.command.${n}`, title: check.title, command: check.command, expectExit: check.expectExit, stdoutMatches: check.stdoutMatches };
}

type Json = { [key: string]: unknown };
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Drops the checks of a model's answer that kept the grammar but fail the
 * schema (a path with a host, a pattern that does not compile, a body that is
 * not JSON), and clips over-long titles, so one bad check does not cost the
 * whole answer. What is left still has to pass AcceptancePlan; an answer with
 * no check left is asked for again.
 */
export function repairAcceptanceAnswer(answer: unknown): { answer: unknown; repairs: string[] } {
  if (!isObject(answer) || !Array.isArray(answer.checks)) return { answer, repairs: [] };
  const repairs: string[] = [];
  const checks = answer.checks.flatMap((raw: unknown, i) => {
    const check = isObject(raw) && typeof raw.title === 'string' && raw.title.length > ACCEPTANCE_PLAN_LIMITS.maxTitleChars
      ? { ...raw, title: clipUnits(raw.title, ACCEPTANCE_PLAN_LIMITS.maxTitleChars) }
      : raw;
    const parsed = AcceptanceCheckPlan.safeParse(check);
    if (parsed.success) return [parsed.data];
    const issue = parsed.error.issues[0];
    repairs.push(`dropped check ${i + 1}: ${issue ? `${issue.path.join('.') || 'check'}: ${issue.message}` : 'invalid'}`);
    return [];
  });
  return { answer: { ...answer, checks }, repairs };
}
