import { isObject, type LoadedSpec } from './load-spec.js';
import type { OperationSpec } from './operations.js';

/**
 * Wording that documents an update as a merge: the fields not sent keep
 * their values. Only explicit phrases count, never a bare "update", because a
 * PUT is a replacement unless its spec says otherwise and a check that sends
 * a partial body to a replacing PUT would be a false alarm.
 */
const MERGE: readonly RegExp[] = [
  /\bmerg(e|es|ed|ing)\b/i,
  /\bpartial(ly)?\s+(update|updates|modification|change|changes|updated|modified|changed|replace\w*)\b/i,
  /\bpartial\s+(object|body|representation|resource)\b/i,
  /\bonly (the )?(fields|properties|attributes|values|keys) (that are )?(given|sent|provided|supplied|included|present|specified|passed|in the (request|body))\b/i,
  /\b(other|remaining|omitted|unspecified|absent) (fields|properties|attributes|values|keys)\b[^.]*\b(kept|keep|stay|remain|untouched|unchanged|preserved|retained|left alone|left as they are)\b/i,
  /\bnot (given|sent|provided|supplied|included|specified|present|passed)\b[^.]*\b(keeps?|kept|stays?|remains?|untouched|unchanged|preserved|retained|left alone)\b/i,
];

/** Wording that says the update is not a merge after all: it wins over MERGE, and over PATCH's nature. */
const NOT_MERGE: readonly RegExp[] = [
  /\b(not|never|no|nor|without)\b[^.]{0,24}\b(merg\w*|partial\w*)/i,
  /\breplac\w*\s+(the\s+)?(whole|entire|full|complete)\b/i,
  /\b(full|complete|whole)\s+replacement\b/i,
  /\b(omitted|missing|absent|not (given|sent|provided|supplied|included|specified))\b[^.]*\b(removed|cleared|reset|deleted|dropped|set to null|defaults?)\b/i,
];

/**
 * Whether an update is documented to merge: a PATCH by nature unless its
 * summary or description says otherwise, a PUT only when they say so.
 */
export function documentedMerge(spec: LoadedSpec, op: OperationSpec): boolean {
  if (op.method !== 'put' && op.method !== 'patch') return false;
  const text = wordingOf(spec, op);
  if (NOT_MERGE.some((re) => re.test(text))) return false;
  return op.method === 'patch' || MERGE.some((re) => re.test(text));
}

/** The operation's summary and description together; OperationSpec keeps only one of them. */
function wordingOf(spec: LoadedSpec, op: OperationSpec): string {
  const paths = spec.document.paths;
  const item = isObject(paths) ? paths[op.path] : undefined;
  const raw = isObject(item) ? item[op.method] : undefined;
  if (!isObject(raw)) return op.summary;
  return [raw.summary, raw.description].filter((t): t is string => typeof t === 'string').join('\n');
}
