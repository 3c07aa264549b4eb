import { AutodevError, ProtocolError, type AcceptanceSuite, type Blueprint } from '../../proto/index.js';
import { ACCEPTANCE_PLAN_JSON_SCHEMA, AcceptancePlan, ACCEPTANCE_PLAN_LIMITS } from '../../proto/acceptance-plan.js';
import type { PlanJobInput } from '../../machines/master-types.js';
import { deriveSuiteFromText } from '../acceptance/derive-checks.js';
import { repairAcceptanceAnswer, suiteFromAcceptancePlan } from '../acceptance/prompt-suite.js';
import type { SuiteStore } from '../acceptance/suite-store.js';
import type { LanguageModel } from '../llm/language-model.js';
import type { Logger } from '../log/logger.js';
import { toGbnfSchema } from '../mcp/gbnf-schema.js';
import { askUntilValid, issuesLine, type Judged } from './ask-until-valid.js';
import { chooseTestCredentials } from './test-credentials.js';

/** The grammar the Master writes acceptance checks under; above every bound of ACCEPTANCE_PLAN_LIMITS, so the schema's own bounds hold. */
export const ACCEPTANCE_GRAMMAR_SCHEMA = toGbnfSchema(ACCEPTANCE_PLAN_JSON_SCHEMA, { maxStringLength: 1000, maxArrayItems: 16 });

/** Enough of a text spec to say what the app does; the whole spec is in the repository for the workers. */
const MAX_SPEC_IN_PROMPT = 4000;

export interface FreezeSuiteDeps {
  suites: SuiteStore;
  model: () => Promise<LanguageModel>;
  maxTokens: number;
  /** How many times checks that fail validation are asked for again. */
  maxAttempts: number;
  log: Logger;
}

const SYSTEM = [
  'You are the acceptance tester of a software team. No code exists yet: write the checks that will decide whether the finished app does what the request asks.',
  'The app is started with npm start and listens on the port in the PORT environment variable, on 127.0.0.1.',
  'An http check calls one endpoint: a method, a path on the app (starting with /, no host), an optional request body as JSON text, the status it must answer and texts its body must contain.',
  'A command check runs a shell command in the app\'s folder while the app runs (PORT and APP_URL are set, nothing outside the app is reachable), with the exit code it must end with and a regular expression its output must match, or null.',
  `Write between 3 and ${ACCEPTANCE_PLAN_LIMITS.maxChecks} checks that a correct app passes and a broken one fails. Answer with JSON only.`,
].join(' ');

/**
 * Freezes the job's acceptance suite before any task exists: derived from the
 * OpenAPI spec when there is one, else written by the Master's model from the
 * prompt, validated, and saved outside the repository where no worker can
 * reach it. A suite already saved (a planning step re-run after a restart) is
 * kept as it is: a frozen suite is never written again.
 */
export async function freezeAcceptanceSuite(deps: FreezeSuiteDeps, input: PlanJobInput, signal: AbortSignal): Promise<AcceptanceSuite> {
  const frozen = await deps.suites.load(input.jobId);
  if (frozen) {
    deps.log.info('kept the frozen acceptance suite', { jobId: input.jobId, source: frozen.source ?? 'openapi', checks: frozen.checks.length, commands: frozen.commands?.length ?? 0 });
    return frozen;
  }
  const suite = (await suiteFromSpec(deps, input)) ?? (await suiteFromPrompt(deps, input, signal));
  signal.throwIfAborted();
  await deps.suites.save(input.jobId, suite);
  deps.log.info('froze the acceptance suite', { jobId: input.jobId, source: suite.source, checks: suite.checks.length, commands: suite.commands?.length ?? 0 });
  return suite;
}

/** The spec's suite, or null when the job has no OpenAPI spec (or it will not load: then the prompt's checks stand in). */
async function suiteFromSpec(deps: FreezeSuiteDeps, input: PlanJobInput): Promise<AcceptanceSuite | null> {
  if (input.spec === null || input.blueprint?.spec?.kind !== 'openapi') return null;
  try {
    const suite = await deriveSuiteFromText(input.spec);
    const testCredentials = chooseTestCredentials(suite.securitySchemes ?? {});
    return { ...suite, source: 'openapi', ...(Object.keys(testCredentials).length > 0 ? { testCredentials } : {}) };
  } catch (error) {
    if (!(error instanceof AutodevError)) throw error;
    deps.log.warn('the OpenAPI spec gives no acceptance suite; writing checks from the prompt instead', { jobId: input.jobId, problem: error.message });
    return null;
  }
}

async function suiteFromPrompt(deps: FreezeSuiteDeps, input: PlanJobInput, signal: AbortSignal): Promise<AcceptanceSuite> {
  const title = `Acceptance checks for: ${input.prompt.replace(/\s+/g, ' ').trim().slice(0, 80)}`;
  const result = await askUntilValid({
    model: await deps.model(),
    request: { system: SYSTEM, prompt: checksPrompt(input), schema: ACCEPTANCE_GRAMMAR_SCHEMA, maxTokens: deps.maxTokens },
    attempts: deps.maxAttempts,
    signal,
    judge: (answer): Judged<AcceptanceSuite> => {
      const { answer: repaired, repairs } = repairAcceptanceAnswer(answer);
      if (repairs.length > 0) deps.log.info('repaired the acceptance checks', { jobId: input.jobId, repairs });
      const parsed = AcceptancePlan.safeParse(repaired);
      return parsed.success ? { ok: true, value: suiteFromAcceptancePlan(parsed.data, title) } : { ok: false, problem: issuesLine(parsed.error.issues) };
    },
    onRefused: (attempt, problem) => deps.log.warn('acceptance checks failed validation; asking again', { jobId: input.jobId, attempt, problem }),
  });
  if (!result.ok) throw new ProtocolError('plan_invalid', `no valid acceptance checks after ${deps.maxAttempts} attempts: ${result.problem}`);
  return result.value;
}

function checksPrompt(input: PlanJobInput): string {
  const spec = input.spec ? `\n\nNotes and documents given with the request:\n${input.spec.slice(0, MAX_SPEC_IN_PROMPT)}` : '';
  return `Project request:\n${input.prompt}${describeStack(input.blueprint)}${spec}`;
}

function describeStack(blueprint: Blueprint | null): string {
  if (!blueprint) return '';
  const s = blueprint.techStack;
  return `\n\nTech stack: ${s.language}, ${s.runtime}, ${s.framework}${s.database ? `, ${s.database}` : ''}.\nRequirements:\n${blueprint.requirements.map((r) => `- ${r}`).join('\n')}`;
}
