import { BlockList, isIP } from 'node:net';
import { ToolError } from './tool.js';

export interface NetPolicy {
  /** Host patterns (`example.com`, `*.example.com`); when non-empty only these are reachable. */
  allow: readonly string[];
  /** Host patterns that are never reachable; checked before `allow`. */
  deny: readonly string[];
  /** Loopback, private, link-local and other non-public ranges; off unless configured. */
  allowPrivateAddresses: boolean;
}

const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** True for addresses outside the public internet, including IPv4 written as IPv6 (`::ffff:127.0.0.1`). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1] as string, 'ipv4');
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) return PRIVATE.check(address, 'ipv6');
  return true;
}

function matches(host: string, pattern: string): boolean {
  const p = pattern.toLowerCase();
  if (p.startsWith('*.')) return host.endsWith(p.slice(1)) || host === p.slice(2);
  return host === p;
}

/** Checks a URL's scheme and host name against the lists; addresses are checked at connect time. */
export function checkUrl(policy: NetPolicy, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolError('invalid', `"${raw}" is not an absolute URL; give one such as https://example.com/page`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ToolError('denied', `scheme ${url.protocol} is not allowed; only http and https URLs can be fetched`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (policy.deny.some((p) => matches(host, p))) throw new ToolError('denied', `host ${host} is on the fetch deny-list (config mcp.fetch.deny)`);
  if (policy.allow.length > 0 && !policy.allow.some((p) => matches(host, p))) {
    throw new ToolError('denied', `host ${host} is not on the fetch allow-list (config mcp.fetch.allow)`);
  }
  return url;
}

/** Refuses an address the policy does not allow; called for every address a host name resolves to. */
export function checkAddress(policy: NetPolicy, host: string, address: string): void {
  if (!policy.allowPrivateAddresses && isPrivateAddress(address)) {
    throw new ToolError(
      'denied',
      `${host} resolves to ${address}, a private or loopback address; set mcp.fetch.allowPrivateAddresses in config.json to reach it`,
    );
  }
}
