import { z } from 'zod';
import { ROLES } from './task.js';
import { ValidationRule } from './rules.js';

/**
 * The plan as the model writes it. Bounds keep a weak model's output finite
 * under the grammar; the Master repairs ids and dependencies afterwards, so
 * the model may name tasks however it likes.
 */
export const PLAN_LIMITS = {
  maxTasks: 8,
  maxDependencies: 4,
  maxKeyChars: 24,
  maxDescriptionChars: 240,
  maxRules: 3,
  maxRuleChars: 80,
} as const;

export const PRIORITIES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] as const;
export const ESTIMATES_MINUTES = [1, 2, 5, 10, 15, 30, 60] as const;

export const ModelPlanTask = z.strictObject({
  key: z.string().max(PLAN_LIMITS.maxKeyChars),
  type: z.enum(ROLES),
  description: z.string().max(PLAN_LIMITS.maxDescriptionChars),
  dependsOn: z.array(z.string().max(PLAN_LIMITS.maxKeyChars)).max(PLAN_LIMITS.maxDependencies),
  // Enumerated, so a grammar offers a small model only these numbers.
  priority: z.literal(PRIORITIES),
  estimatedMinutes: z.literal(ESTIMATES_MINUTES),
  /** Executable checks (proto/rules.ts); none means the role's defaults. */
  validationRules: z.array(ValidationRule).max(PLAN_LIMITS.maxRules),
});
export const ModelPlan = z.strictObject({
  tasks: z.array(ModelPlanTask).min(1).max(PLAN_LIMITS.maxTasks),
});
export type ModelPlan = z.infer<typeof ModelPlan>;
/** For refining a spec-driven backbone: the model may add up to four tasks, or none. */
export const ModelRefinement = z.strictObject({ tasks: z.array(ModelPlanTask).max(4) });
export type ModelPlanTask = z.infer<typeof ModelPlanTask>;

/**
 * The same shapes as JSON schemas, for grammar-constrained decoding and for
 * checking API models' answers: generated from the zod schemas, so the
 * grammar and the validation can never disagree.
 */
export const MODEL_PLAN_JSON_SCHEMA = z.toJSONSchema(ModelPlan, { target: 'draft-7', io: 'output' });
export const MODEL_REFINEMENT_JSON_SCHEMA = z.toJSONSchema(ModelRefinement, { target: 'draft-7', io: 'output' });
