import { describe, expect, it } from 'vitest';
import { OutputTail } from './output-tail.js';

describe('OutputTail', () => {
  it('keeps everything under the cap', () => {
    const tail = new OutputTail(10);
    tail.push(Buffer.from('abc'));
    tail.push(Buffer.from('def'));
    expect(tail.text()).toBe('abcdef');
  });

  it('keeps the last bytes and says it dropped some', () => {
    const tail = new OutputTail(4);
    for (const part of ['1234', '5678', '9']) tail.push(Buffer.from(part));
    expect(tail.text()).toBe('[output truncated]\n6789');
  });
});
