import type { Task } from '../proto/index.js';

/** A pending backend task with every field set; tests override what they check. */
export function makeTask(id: string, overrides: Partial<Task> = {}): Task {
  return {
    id,
    type: 'backend',
    description: `task ${id}`,
    dependencies: [],
    priority: 5,
    estimatedTime: 5,
    attempts: 0,
    maxRetries: 3,
    status: 'pending',
    assignedWorker: null,
    prompt: `do ${id}`,
    tools: [],
    context: [],
    output: null,
    validationRules: [{ kind: 'file_exists', path: 'README.md' }],
    lastError: null,
    failureSignatures: [],
    fixOf: null,
    budget: { maxTokens: 1000, timeoutMs: 60_000 },
    tokensUsed: 0,
    ...overrides,
  };
}
