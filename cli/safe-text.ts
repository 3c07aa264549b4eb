/**
 * Characters that let text drive or deceive a terminal: C0 and C1 controls
 * (escape sequences, bell, carriage return, newline that fakes a line), DEL,
 * bidirectional overrides and isolates (text that reads differently than it
 * is), invisible separators, and lone surrogates (not text at all).
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * Every string from the daemon that the CLI prints to a terminal goes through
 * here: prompts, task descriptions, errors, paths. Unsafe characters are
 * shown as visible escapes (`\x1b`, `\u202e`), so nothing can recolour the
 * screen, move the cursor or reorder what the user reads, and the user can
 * still see that something was there.
 */
export function safeText(text: string): string {
  return text.replace(UNSAFE, escape);
}
