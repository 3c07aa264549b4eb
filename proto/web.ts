import { z } from 'zod';
import { Timestamp } from './ids.js';

/** `POST /web/login-codes`: a one-time link that logs a browser in (`autodev open`). */
export const WebLoginLink = z.object({
  /** `http://127.0.0.1:PORT/web/login?code=…`; the code works once, for a short while, and is not the API token. */
  url: z.string().url(),
  expiresAt: Timestamp,
});
export type WebLoginLink = z.infer<typeof WebLoginLink>;
