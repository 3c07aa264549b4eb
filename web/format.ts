import { h, token } from './dom.js';

/** A symbol beside every state word: the page must read the same without colour. */
const ICONS: Readonly<Record<string, string>> = {
  completed: '✔',
  passed: '✔',
  failed: '✖',
  cancelled: '⊘',
  running: '▶',
  planning: '✎',
  integrating: '⚙',
  pending: '○',
  retrying: '↻',
  needs_fix: '⚠',
  blocked: '⛔',
  unverified: '?',
  not_checkable: '?',
};

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge status-${token(status)}` }, [h('span', { 'aria-hidden': 'true' }, [ICONS[status] ?? '•']), ` ${status.replace(/_/g, ' ')}`]);
}

export function statusIcon(status: string): string {
  return ICONS[status] ?? '•';
}

export function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  return `${Math.floor(m / 60)}h ${m % 60}m`;
}

export function tokens(n: number | undefined): string {
  return n === undefined ? '–' : n.toLocaleString('en-US');
}

export function dollars(n: number | undefined): string {
  return n === undefined || n === 0 ? '–' : `$${n.toFixed(n < 1 ? 4 : 2)}`;
}

export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** The first line of a prompt, cut to `max` characters. */
export function head(text: string, max = 90): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
