import { z } from 'zod';

/**
 * Credentials in the acceptance suite. A spec's security schemes are kept in
 * the suite by name with how each is sent; each step names the requirement of
 * its operation; the values never enter the suite as derived, and reach the
 * judge only in its plan.
 */

/** How one of the spec's `components.securitySchemes` is sent, in the shapes the judge can send. */
export const SecurityScheme = z.discriminatedUnion('type', [
  z.object({ type: z.literal('apiKey'), in: z.enum(['header', 'query', 'cookie']), name: z.string().min(1) }),
  /** http bearer; OAuth 2 and OpenID Connect access tokens are sent the same way, so `from` says which the spec named. */
  z.object({ type: z.literal('bearer'), from: z.enum(['http', 'oauth2', 'openIdConnect']) }),
  z.object({ type: z.literal('basic') }),
  /** A scheme no credential can be given for (mutual TLS, http digest): what needs it stays unverified, saying why. */
  z.object({ type: z.literal('unsupported'), why: z.string() }),
]);
export type SecurityScheme = z.infer<typeof SecurityScheme>;

/**
 * A step's OpenAPI security requirement: alternatives, of which the first the
 * judge has every credential for is sent; each alternative lists schemes sent
 * together. Empty: the operation is public (or allows anonymous access).
 */
export const SecurityRequirement = z.array(z.array(z.string().min(1)).min(1));
export type SecurityRequirement = z.infer<typeof SecurityRequirement>;

/** Names the judge and the sandbox set for the app themselves, or that would change how it runs. */
export const RESERVED_ENV = /^(PORT|HOST|APP_URL|PATH|HOME|USER|SHELL|PWD|TMPDIR|LANG|TZ|NODE_.*|NPM_.*|LD_.*|HTTPS?_PROXY|NO_PROXY)$/;

/** An environment variable name an app can read: not one the sandbox or the judge sets itself. */
export const EnvName = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]*$/, 'environment variable names are upper case letters, digits and _')
  .refine((name) => !RESERVED_ENV.test(name), 'is a variable the sandbox sets or that changes how the app runs; choose another name');

/** A test credential the Master chose at planning: the value the suite sends, and the variables the app reads it from. */
export const TestCredential = z.object({
  /** As the judge sends it; for basic, `username:password`. */
  value: z.string().min(1),
  env: z.record(EnvName, z.string()),
});
export type TestCredential = z.infer<typeof TestCredential>;

const oneLine = (what: string) => z.string().min(1, `${what} must not be empty`).max(8192, `${what} is longer than 8192 characters`).regex(/^[^\r\n\0]*$/, `${what} must be one line`);

/** A header given to `autodev accept` (--header, --header-from-env): it must be the credential of one of the spec's schemes. */
export const GivenHeader = z.object({
  name: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'a header name is a token such as X-API-Key'),
  value: oneLine('a header value'),
});
export type GivenHeader = z.infer<typeof GivenHeader>;

/** A value for one scheme by name (--credentials FILE): the key or token, or a basic scheme's user and password. */
export const CredentialText = oneLine('a credential');
export const GivenSchemeValue = z.union([
  CredentialText,
  z.object({ username: oneLine('username').regex(/^[^:]*$/, 'username must not contain ":"'), password: oneLine('password') }).strict(),
]);
export type GivenSchemeValue = z.infer<typeof GivenSchemeValue>;

/** The credentials `autodev accept` was given; matched to the spec's schemes by the daemon, never echoed. */
export const AcceptCredentials = z
  .object({
    headers: z.array(GivenHeader).max(32),
    schemes: z.record(z.string().min(1), GivenSchemeValue),
  })
  .strict();
export type AcceptCredentials = z.infer<typeof AcceptCredentials>;

/** One credential as the judge sends it, and the placeholder reports show instead of its value. */
export const CredentialPlacement = z
  .object({
    in: z.enum(['header', 'query', 'cookie']),
    /** Header names are lower case. */
    name: z.string().min(1),
    value: z.string(),
    /** e.g. `<apiKey credential ApiKeyAuth>`. */
    shown: z.string(),
  })
  .strict();
export type CredentialPlacement = z.infer<typeof CredentialPlacement>;

/** The credentials in the judge's plan, by scheme name. */
export const JudgeAuth = z.object({ schemes: z.record(z.string(), CredentialPlacement) }).strict();
export type JudgeAuth = z.infer<typeof JudgeAuth>;
