import type { JobView } from '../proto/index.js';
import { safeText } from './safe-text.js';

export function formatTokens(tokens: number | undefined): string {
  if (tokens === undefined) return '-';
  return tokens >= 10_000 ? `${(tokens / 1000).toFixed(1)}k tok` : `${tokens} tok`;
}

const dollars = (usd: number | undefined) => (usd ? ` $${usd.toFixed(4)}` : '');

/**
 * Tokens for the job, for planning and per task, and dollars where an API
 * model with prices did the work. A running attempt's tokens so far are in
 * its task's count, and named as still generating.
 */
export function usageLine(view: JobView): string {
  const parts: string[] = [];
  const planning = view.usage?.planning;
  if (planning && planning.tokens > 0) parts.push(`planning ${formatTokens(planning.tokens)}${dollars(planning.costUsd)}`);
  for (const t of view.tasks) {
    if ((t.tokensUsed ?? 0) === 0) continue;
    const live = t.inFlightTokens ? `, ${t.inFlightTokens} so far in the running attempt` : '';
    parts.push(`${safeText(t.id)} ${formatTokens(t.tokensUsed)}${dollars(t.costUsd)}${live}`);
  }
  const cost = view.costUsd ? `, $${view.costUsd.toFixed(4)}` : '';
  return `usage: ${formatTokens(view.tokensUsed)}${cost}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`;
}

/** 59s, 3m 05s, 2h 01m: one glance, never milliseconds. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** When the job started and ended, and how long it took (or has run so far); empty for an older daemon's view. */
export function timeLine(view: JobView): string | null {
  if (!view.startedAt || view.durationMs === undefined) return null;
  const end = view.endedAt ? `, ended ${safeText(view.endedAt)}, took ${formatDuration(view.durationMs)}` : `, running for ${formatDuration(view.durationMs)}`;
  return `time: started ${safeText(view.startedAt)}${end}`;
}
