import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../proto/index.js';
import { asUnreachableHost, downloadHost } from './unreachable-host.js';

describe('a model download that cannot connect', () => {
  it('becomes "unavailable", naming the host, whatever layer kept the network error', () => {
    // As node-llama-cpp reports it: the TypeError survives only as text.
    const wrapped = new ProtocolError('bad_request', 'cannot download hf:a/b:Q4: Failed to fetch manifest for resolving URI "hf:a/b:Q4": TypeError: fetch failed');
    const byCode = new Error('boom', { cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) });
    for (const error of [wrapped, byCode]) {
      const mapped = asUnreachableHost(error, 'huggingface.co', 'Offline, copy it.');
      expect(mapped).toBeInstanceOf(ProtocolError);
      expect(mapped).toMatchObject({ code: 'unavailable', data: { host: 'huggingface.co' }, cause: error });
      expect((mapped as Error).message).toMatch(/^could not reach huggingface\.co to download the model .* Offline, copy it\.$/);
    }
  });

  it('leaves every other failure as it was: a bad hash, a 404, a cancel', () => {
    const checksum = new ProtocolError('checksum_mismatch', 'checksum mismatch for x.gguf');
    const missing = new ProtocolError('bad_request', 'cannot download hf:a/b:Q4: 404 Not Found');
    const cancelled = new ProtocolError('cancelled', 'download interrupted: fetch failed');
    for (const error of [checksum, missing, cancelled]) expect(asUnreachableHost(error, 'h', '')).toBe(error);
  });

  it('names the URL host for a URL, and the Hugging Face endpoint for hf: URIs', () => {
    expect(downloadHost('https://models.example:8443/x.gguf', 'https://huggingface.co/')).toBe('models.example:8443');
    expect(downloadHost('hf:a/b:Q4', 'http://127.0.0.1:9/')).toBe('127.0.0.1:9');
  });
});
