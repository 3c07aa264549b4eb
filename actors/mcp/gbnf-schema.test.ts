import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toGbnfSchema } from './gbnf-schema.js';

const bounds = { maxStringLength: 100, maxArrayItems: 4 };

describe('toGbnfSchema', () => {
  it('keeps the shape of a tool input, bounds strings and arrays, and drops what a grammar cannot say', () => {
    const input = z
      .object({
        path: z.string().min(1).max(500).regex(/^[a-z]+$/),
        mode: z.enum(['a', 'b']),
        count: z.number().int().min(1).max(9).default(3),
        tags: z.array(z.string()).max(50).optional(),
        when: z.iso.datetime(),
        extra: z.record(z.string(), z.number()),
        either: z.union([z.string(), z.null()]),
      })
      .strict();
    expect(toGbnfSchema(z.toJSONSchema(input, { io: 'input' }), bounds)).toEqual({
      type: 'object',
      properties: {
        path: { type: 'string', minLength: 1, maxLength: 100 },
        mode: { enum: ['a', 'b'] },
        count: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string', maxLength: 100 }, maxItems: 4 },
        when: { type: 'string', format: 'date-time' },
        extra: { type: 'object', properties: {}, required: [], additionalProperties: { type: 'number' }, maxProperties: 4 },
        either: { oneOf: [{ type: 'string', maxLength: 100 }, { type: 'null' }] },
      },
      required: ['path', 'mode', 'when', 'extra', 'either'],
      additionalProperties: false,
    });
  });

  it('turns an unconstrained value into bounded scalars', () => {
    expect(toGbnfSchema({}, bounds)).toEqual({ oneOf: [{ type: 'string', maxLength: 100 }, { type: ['number', 'boolean', 'null'] }] });
  });
});
