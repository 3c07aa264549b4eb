import { describe, expect, it } from 'vitest';
import { splitNatsUrl } from './nats-url.js';

describe('splitNatsUrl', () => {
  it('moves credentials out of the URL', () => {
    expect(splitNatsUrl('nats://me:s%40cret@127.0.0.1:4222')).toEqual({ url: 'nats://127.0.0.1:4222', user: 'me', pass: 's@cret' });
  });
  it('leaves a bare URL alone', () => {
    expect(splitNatsUrl('nats://127.0.0.1:4222')).toEqual({ url: 'nats://127.0.0.1:4222' });
  });
  it('rejects what is not a NATS URL, saying what to write', () => {
    expect(() => splitNatsUrl('127.0.0.1:4222')).toThrow(/nats:\/\//);
    expect(() => splitNatsUrl('http://x:1')).toThrow(/unsupported scheme/);
  });
});
