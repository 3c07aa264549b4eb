import { describe, expect, it } from 'vitest';
import { checkAddress, checkUrl, isPrivateAddress } from './net-policy.js';
import { ToolError } from './tool.js';

describe('isPrivateAddress', () => {
  it('flags loopback, private, link-local, CGNAT, multicast and their IPv6 and mapped forms', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.1.1.1', 'not-an-ip']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });
  it('passes public addresses', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

describe('checkUrl and checkAddress', () => {
  const policy = { allow: [], deny: ['*.evil.test'], allowPrivateAddresses: false };
  it('refuses other schemes, deny-listed hosts and hosts off a non-empty allow-list', () => {
    expect(() => checkUrl(policy, 'ftp://x.test/')).toThrow(/only http and https/);
    expect(() => checkUrl(policy, 'https://a.evil.test/')).toThrow(/deny-list/);
    expect(() => checkUrl(policy, 'https://evil.test/')).toThrow(/deny-list/);
    expect(() => checkUrl(policy, 'not a url')).toThrow(ToolError);
    expect(checkUrl(policy, 'https://docs.example.org/a').hostname).toBe('docs.example.org');
    const only = { ...policy, allow: ['*.example.org'] };
    expect(() => checkUrl(only, 'https://example.com/')).toThrow(/allow-list/);
    expect(checkUrl(only, 'https://api.example.org/').hostname).toBe('api.example.org');
  });
  it('refuses a private address unless allowed', () => {
    expect(() => checkAddress(policy, 'internal', '10.0.0.1')).toThrow(/allowPrivateAddresses/);
    expect(() => checkAddress({ ...policy, allowPrivateAddresses: true }, 'internal', '10.0.0.1')).not.toThrow();
  });
});
