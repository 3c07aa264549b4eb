import type { FileSectionLimits } from '../../actors/worker/file-sections.js';

/**
 * The worker's answer grammar (fileSectionsGrammar in actors/worker/file-sections.ts)
 * as a regular expression: it has only bounded repetition, so it is a regular
 * language. A recorded answer that fits it is one a grammar-constrained local
 * model could have produced; the replay model itself does not enforce it.
 */
export function fileSectionRegExp(limits: FileSectionLimits, options: { edits: boolean }): RegExp {
  const w = Math.max(1, limits.maxLineChars - 1);
  const rest = `[^@\\n][^\\n]{0,${w}}`;
  const line = `(?:(?:${rest}|@(?:${rest})?|@@(?:${rest})?)?\\n)`;
  const seg = '[a-zA-Z0-9_.][a-zA-Z0-9_.\\-]{0,40}';
  const path = `${seg}(?:/${seg}){0,5}`;
  const n = limits.maxLinesPerFile;
  const file = `@@@ FILE ${path}\\n${line}{0,${n}}@@@ END\\n`;
  const edit = `@@@ EDIT ${path}\\n@@@ SEARCH\\n${line}{1,${n}}@@@ REPLACE\\n${line}{0,${n}}@@@ END\\n`;
  const block = options.edits ? `(?:${file}|${edit})` : `(?:${file})`;
  return new RegExp(`^@@@ SUMMARY [^\\n]{1,${limits.maxSummaryChars}}\\n${block}{1,${limits.maxFiles}}$`);
}

export function fitsFileSectionGrammar(text: string, limits: FileSectionLimits, options: { edits: boolean }): boolean {
  return fileSectionRegExp(limits, options).test(text);
}
