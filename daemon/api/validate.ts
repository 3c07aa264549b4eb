import { validator } from 'hono/validator';
import type { z } from 'zod';
import type { ErrorBody } from './errors.js';

function describe(issues: readonly z.core.$ZodIssue[]): { message: string; field: string } {
  const first = issues[0];
  const field = first && first.path.length > 0 ? first.path.join('.') : '(body)';
  return { field, message: issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') };
}

/** A zod schema from proto/ as Hono validator: a 400 that names the field, or typed input. */
export function jsonBody<S extends z.ZodType>(schema: S) {
  return validator('json', (value, c) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data as z.output<S>;
    const { field, message } = describe(parsed.error.issues);
    return c.json({ error: { code: 'bad_request', message, data: { field } } } satisfies ErrorBody, 400);
  });
}

export function pathParams<S extends z.ZodType>(schema: S) {
  return validator('param', (value, c) => {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data as z.output<S>;
    const { field, message } = describe(parsed.error.issues);
    return c.json({ error: { code: 'bad_request', message, data: { field } } } satisfies ErrorBody, 400);
  });
}
