import { ProtocolError } from '../../proto/index.js';

export interface RetryOptions {
  /** Retries after the first try. */
  maxRetries: number;
  timeoutMs: number;
  baseDelayMs?: number;
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** 408, 409 (OpenAI's "retry me"), 425, 429 and 5xx are worth another try; other 4xx are our fault. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new ProtocolError('cancelled', 'request cancelled'));
    }, { once: true });
  });
}

/**
 * POSTs JSON with a per-try timeout and exponential backoff (honouring
 * Retry-After). Returns the first response that is not retryable; the
 * caller reads its body. Error messages never include request headers, so a
 * key cannot leak into a log.
 */
export async function postWithRetry(url: string, init: { headers: Record<string, string>; body: unknown }, options: RetryOptions): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseDelayMs ?? 500;
  let lastProblem = '';
  for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
    options.signal?.throwIfAborted();
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let delay = base * 2 ** attempt;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: JSON.stringify(init.body),
        signal,
      });
      if (!isRetryableStatus(response.status)) return response;
      lastProblem = `HTTP ${response.status}: ${(await response.text().catch(() => '')).slice(0, 300)}`;
      const retryAfter = Number(response.headers.get('retry-after'));
      if (Number.isFinite(retryAfter) && retryAfter > 0) delay = Math.min(retryAfter * 1000, 60_000);
    } catch (error) {
      if (options.signal?.aborted) throw new ProtocolError('cancelled', 'request cancelled', undefined, { cause: error });
      lastProblem = timeout.aborted ? `no answer within ${options.timeoutMs} ms` : (error as Error).message;
    }
    if (attempt < options.maxRetries) await sleep(delay, options.signal);
  }
  throw new ProtocolError(
    'model_unavailable',
    `${new URL(url).origin} failed after ${options.maxRetries + 1} tries (${lastProblem}); check the endpoint, the key and the model name`,
  );
}
