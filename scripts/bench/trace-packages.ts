/**
 * A module-loader hook for the startup bench (scripts/bench/startup.ts): it
 * writes `[autodev-bench] package NAME` to stderr the first time a module of
 * an npm package loads, so the bench can say which packages a command pulls
 * in. Registered with `node --import` (see startup.ts); importing this file
 * alone does nothing. Packages that a CommonJS package require()s are not
 * seen, only the ones entered through an ES import, which is how this
 * project's code reaches every package it uses.
 */
import { writeSync } from 'node:fs';

export const TRACE_PREFIX = '[autodev-bench] package ';

const seen = new Set<string>();

interface LoadContext {
  format?: string | null;
}
type NextLoad = (url: string, context: LoadContext) => Promise<unknown>;

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<unknown> {
  const name = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (name !== undefined && !seen.has(name)) {
    seen.add(name);
    // Synchronous: the hooks run on their own thread, and a line must not be lost when the process exits.
    writeSync(2, `${TRACE_PREFIX}${name}\n`);
  }
  return next(url, context);
}
