import { describe, expect, it } from 'vitest';
import { closest } from './arg-errors.js';

describe('closest', () => {
  it('suggests a word a typo or a swap away, and nothing for a word far from any', () => {
    const options = ['home', 'json', 'help', 'spec', 'wait', 'model'];
    expect(closest('jsn', options)).toBe('json');
    expect(closest('wiat', options)).toBe('wait');
    expect(closest('modle', options)).toBe('model');
    expect(closest('specc', options)).toBe('spec');
    expect(closest('verbose', options)).toBeNull();
  });
});
