import type { z } from 'zod';
import { MemoryError } from './memory-store.js';

/** Memory operations are reachable from MCP tools and the API, so every input is checked where it enters. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`).join('; ');
  throw new MemoryError('invalid_input', `invalid memory input: ${problems}`);
}
