import { AutodevError } from '../proto/errors.js';

/**
 * Faults a test can switch on in a real daemon (AUTODEV_FAILPOINTS, read in
 * main.ts only), to prove that a failure ends as a saved, published state.
 * Only these names exist; an unknown one stops the daemon at start.
 */
export const FAILPOINTS = ['master-guard'] as const;
export type Failpoint = (typeof FAILPOINTS)[number];

export function parseFailpoints(value: string | undefined): Set<Failpoint> {
  const names = (value ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  const known = new Set<string>(FAILPOINTS);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new AutodevError('bad_request', `AUTODEV_FAILPOINTS names unknown failpoints: ${unknown.join(', ')} (known: ${FAILPOINTS.join(', ')})`);
  return new Set(names.filter((name): name is Failpoint => known.has(name)));
}

/** `master-guard`: a Master guard that throws, as a bug in the Master's own logic would. */
export function masterGuardFault(): boolean {
  // A plain Error on purpose: it stands for a bug, which the job must record as `internal`.
  throw new Error('failpoint master-guard: a Master guard threw');
}
