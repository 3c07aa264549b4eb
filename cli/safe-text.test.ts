import { describe, expect, it } from 'vitest';
import { safeText } from './safe-text.js';

describe('safeText', () => {
  it('shows terminal controls as visible escapes instead of obeying them', () => {
    expect(safeText('ok\u001b[2J\u0007done\nnext\r\tend\u007f\u009b')).toBe('ok\\x1b[2J\\x07done\\x0anext\\x0d\\x09end\\x7f\\x9b');
  });

  it('shows bidirectional overrides, isolates and invisible separators', () => {
    expect(safeText('file\u202Egnp.exe')).toBe('file\\u202egnp.exe');
    expect(safeText('a\u2066b\u2069c\u200bd\ufeff')).toBe('a\\u2066b\\u2069c\\u200bd\\ufeff');
  });

  it('escapes lone surrogates and keeps paired ones (emoji), accents and right-to-left letters', () => {
    expect(safeText('x\ud800y\udc00z')).toBe('x\\ud800y\\udc00z');
    expect(safeText('café 🚀 שלום مرحبا')).toBe('café 🚀 שלום مرحبا');
  });
});
