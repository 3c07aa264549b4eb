import { z } from 'zod';
import { ProtocolError } from '../../proto/index.js';
import type { ApiEndpoint } from './api-transport.js';
import { postWithRetry } from './http-retry.js';

const ApiErrorBody = z.object({ error: z.object({ message: z.string() }) });

/**
 * POSTs a JSON body to an API model's endpoint with its retry and timeout
 * settings and returns the parsed answer. Both OpenAI and Anthropic report
 * errors as `{ error: { message } }`; a 400 is the caller's fault, anything
 * else means the model is unavailable.
 */
export async function postApiJson(
  name: string,
  endpoint: ApiEndpoint,
  path: string,
  request: { headers: Record<string, string>; body: unknown; signal?: AbortSignal },
): Promise<unknown> {
  const response = await postWithRetry(`${endpoint.baseUrl.replace(/\/$/, '')}${path}`, { headers: request.headers, body: request.body }, {
    maxRetries: endpoint.maxRetries,
    timeoutMs: endpoint.timeoutMs,
    ...(endpoint.retryBaseMs !== undefined ? { baseDelayMs: endpoint.retryBaseMs } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const json: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const message = ApiErrorBody.safeParse(json);
    throw new ProtocolError(
      response.status === 400 ? 'bad_request' : 'model_unavailable',
      `${name}: HTTP ${response.status}${message.success ? `: ${message.data.error.message}` : ''}`,
    );
  }
  return json;
}
