import type { Stats } from 'node:fs';

/** Where scripts/bundle-cli.ts writes the bundled CLI, under dist/. */
export const BUNDLE_DIR = 'cli-bundle';
/** Its entry, which bin/autodev.js loads with cli/bundle-loader.ts. */
export const BUNDLE_MAIN = 'main.cjs';
/** The file in it that names the compiled tree the bundle was made from. */
export const BUNDLE_STAMP = 'stamp.json';

export interface BundleStamp {
  tsbuildinfo: { mtimeMs: number; size: number };
}

/** What bin/autodev.js compares with dist/.tsbuildinfo: equal means no tsc ran since the bundle was made. */
export function buildStamp(tsbuildinfo: Pick<Stats, 'mtimeMs' | 'size'>): BundleStamp {
  return { tsbuildinfo: { mtimeMs: tsbuildinfo.mtimeMs, size: tsbuildinfo.size } };
}
