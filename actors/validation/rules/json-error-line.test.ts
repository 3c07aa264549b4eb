import { describe, expect, it } from 'vitest';
import { jsonErrorLine, jsonErrorOffset } from './json-error-line.js';

describe('the JSON error locator', () => {
  it('finds nothing wrong in valid JSON, whatever JSON.parse accepts', () => {
    for (const text of ['{}', '[]', ' {"a": [1, -2.5e3, "x\\n\\u00e9", true, false, null, {"b": {}}]} ', '"s"', '0', '[[[[]]]]']) {
      expect(() => JSON.parse(text)).not.toThrow();
      expect(jsonErrorOffset(text), text).toBeNull();
    }
  });

  it('names the line of the first error', () => {
    expect(jsonErrorLine('{\n  "a": 1,\n  "b": 2,\n}\n')).toBe(4);
    expect(jsonErrorLine('{\n  "name": "x"\n  "version": "1"\n}')).toBe(3);
    expect(jsonErrorLine('{\n  "a": tru\n}')).toBe(2);
    expect(jsonErrorLine('{"a": 1}\n\nextra')).toBe(3);
    expect(jsonErrorLine('{\n"a": "unterminated')).toBe(2);
    expect(jsonErrorLine('')).toBe(1);
  });

  it('agrees with JSON.parse on what is invalid', () => {
    for (const text of ['{a: 1}', "{'a': 1}", '[1,]', '01', '1.', '"\t"', '{"a" 1}', '[1 2]', '-', 'nul']) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(jsonErrorOffset(text), text).not.toBeNull();
    }
  });

  it('walks deep nesting without recursion', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(jsonErrorOffset(deep)).toBeNull();
    expect(jsonErrorLine(`${'['.repeat(100_000)}\n}`)).toBe(2);
  });
});
