import { z } from 'zod';

/** One operation of an OpenAPI spec, with what contract tests need. */
export const ApiOperation = z.object({
  operationId: z.string(),
  method: z.enum(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']),
  path: z.string(),
  summary: z.string(),
  resource: z.string(),
  requestSchema: z.unknown().nullable(),
  requestExample: z.unknown().nullable(),
  responses: z.array(z.object({ status: z.string(), description: z.string(), schema: z.unknown().nullable() })),
  /** The security schemes it needs: alternatives of schemes sent together (absent: public). */
  security: z.array(z.array(z.string())).optional(),
});
export type ApiOperation = z.infer<typeof ApiOperation>;

/** A security scheme as the workers are told of it: no credential values, only where the app finds them. */
export const SpecSecurityScheme = z.object({ scheme: z.string(), description: z.string(), env: z.array(z.string()) });
export type SpecSecurityScheme = z.infer<typeof SpecSecurityScheme>;

export const SpecSection = z.object({ heading: z.string(), depth: z.number().int().min(0).max(6), content: z.string() });
export type SpecSection = z.infer<typeof SpecSection>;

export const SpecSummary = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('openapi'),
    title: z.string(),
    version: z.string(),
    operations: z.array(ApiOperation),
    /** The spec's security schemes, and the environment variables the app reads their test credentials from. */
    security: z.array(SpecSecurityScheme).optional(),
  }),
  z.object({ kind: z.literal('markdown'), sections: z.array(SpecSection) }),
  z.object({ kind: z.literal('text'), text: z.string() }),
]);
export type SpecSummary = z.infer<typeof SpecSummary>;

export const TechStack = z.object({
  language: z.string(),
  runtime: z.string(),
  framework: z.string(),
  database: z.string().nullable(),
  testing: z.string(),
  frontend: z.string().nullable(),
});
export type TechStack = z.infer<typeof TechStack>;

/** The ProjectAnalyzer's output: what the TaskDecomposer plans from. */
export const Blueprint = z.object({
  requirements: z.array(z.string()),
  techStack: TechStack,
  structure: z.array(z.string()),
  complexity: z.enum(['small', 'medium', 'large']),
  spec: SpecSummary.nullable(),
});
export type Blueprint = z.infer<typeof Blueprint>;
