import { z } from 'zod';

/** The worker roles; in a file of its own so the rule and task schemas can both name it. */
export const Role = z.enum(['backend', 'frontend', 'testing', 'devops', 'docs']);
export type Role = z.infer<typeof Role>;
export const ROLES = Role.options;
