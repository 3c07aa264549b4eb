import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode, WireError } from '../../proto/index.js';

const STATUS: Partial<Record<ErrorCode, ContentfulStatusCode>> = {
  bad_request: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  model_not_configured: 503,
  model_unavailable: 503,
  context_overflow: 400,
  bus_unavailable: 503,
  payload_too_large: 413,
};

export function httpStatusFor(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code] ?? 500;
}

export interface ErrorBody {
  error: WireError;
}
