import { DEFAULT_RULES_BY_ROLE, type Role } from '../../proto/index.js';
import type { PlanDefaults } from '../../machines/plan.js';

/** Tools each role may call once the MCP servers exist; the allow-list travels with the task. */
export const TOOLS_BY_ROLE: PlanDefaults['toolsByRole'] = {
  backend: ['filesystem', 'git', 'memory', 'database'],
  frontend: ['filesystem', 'git', 'memory'],
  testing: ['filesystem', 'git', 'memory'],
  devops: ['filesystem', 'git', 'memory', 'time'],
  docs: ['filesystem', 'git', 'memory', 'fetch'],
};

export { DEFAULT_RULES_BY_ROLE } from '../../proto/index.js';

export const DEFAULT_TASK_BUDGET: PlanDefaults['budget'] = { maxTokens: 4096, timeoutMs: 15 * 60_000 };

export function planDefaults(maxRetries: number, budget: PlanDefaults['budget'] = DEFAULT_TASK_BUDGET): PlanDefaults {
  return { maxRetries, budget, toolsByRole: TOOLS_BY_ROLE, defaultRulesByRole: DEFAULT_RULES_BY_ROLE };
}

export const ALL_ROLES: readonly Role[] = ['backend', 'frontend', 'testing', 'devops', 'docs'];
