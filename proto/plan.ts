import { z } from 'zod';
import { ROLES } from './task.js';

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

export const ModelPlanTask = z.object({
  key: z.string().max(PLAN_LIMITS.maxKeyChars),
  type: z.enum(ROLES),
  description: z.string().max(PLAN_LIMITS.maxDescriptionChars),
  dependsOn: z.array(z.string().max(PLAN_LIMITS.maxKeyChars)).max(PLAN_LIMITS.maxDependencies),
  priority: z.number().int().min(1).max(10),
  estimatedMinutes: z.number().int().positive(),
  validationRules: z.array(z.string().max(PLAN_LIMITS.maxRuleChars)).max(PLAN_LIMITS.maxRules),
});
export const ModelPlan = z.object({
  tasks: z.array(ModelPlanTask).min(1).max(PLAN_LIMITS.maxTasks),
});
export type ModelPlan = z.infer<typeof ModelPlan>;
export type ModelPlanTask = z.infer<typeof ModelPlanTask>;

/** The same shape as a JSON schema, for grammar-constrained decoding. */
export const MODEL_PLAN_JSON_SCHEMA = {
  type: 'object',
  properties: {
    tasks: {
      type: 'array',
      minItems: 1,
      maxItems: PLAN_LIMITS.maxTasks,
      items: {
        type: 'object',
        properties: {
          key: { type: 'string', maxLength: PLAN_LIMITS.maxKeyChars },
          type: { enum: [...ROLES] },
          description: { type: 'string', maxLength: PLAN_LIMITS.maxDescriptionChars },
          dependsOn: {
            type: 'array',
            maxItems: PLAN_LIMITS.maxDependencies,
            items: { type: 'string', maxLength: PLAN_LIMITS.maxKeyChars },
          },
          priority: { enum: [...PRIORITIES] },
          estimatedMinutes: { enum: [...ESTIMATES_MINUTES] },
          validationRules: {
            type: 'array',
            maxItems: PLAN_LIMITS.maxRules,
            items: { type: 'string', maxLength: PLAN_LIMITS.maxRuleChars },
          },
        },
        required: ['key', 'type', 'description', 'dependsOn', 'priority', 'estimatedMinutes', 'validationRules'],
      },
    },
  },
  required: ['tasks'],
} as const;

/** For refining a spec-driven backbone: the model may add up to four tasks, or none. */
export const MODEL_REFINEMENT_JSON_SCHEMA = {
  ...MODEL_PLAN_JSON_SCHEMA,
  properties: {
    tasks: { ...MODEL_PLAN_JSON_SCHEMA.properties.tasks, minItems: 0, maxItems: 4 },
  },
} as const;
export const ModelRefinement = z.object({ tasks: z.array(ModelPlanTask).max(4) });
