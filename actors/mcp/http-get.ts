import { lookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { checkAddress, checkUrl, type NetPolicy } from './net-policy.js';
import { ToolError } from './tool.js';

export interface FetchLimits {
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

export interface FetchedResponse {
  url: string;
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * A GET under the policy. Host names are resolved here and every address is
 * checked before the socket connects to it, so a DNS answer cannot steer the
 * request into a private range between the check and the connection.
 * Redirects are followed by hand, each one checked again.
 */
export async function guardedGet(policy: NetPolicy, limits: FetchLimits, raw: string, signal?: AbortSignal): Promise<FetchedResponse> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  let current = raw;
  for (let hop = 0; hop <= limits.maxRedirects; hop++) {
    const url = checkUrl(policy, current);
    const response = await getOnce(policy, limits, url, combined);
    if (response.redirect) {
      current = new URL(response.redirect, url).toString();
      continue;
    }
    return { url: url.toString(), status: response.status, contentType: response.contentType, body: response.body };
  }
  throw new ToolError('failed', `more than ${limits.maxRedirects} redirects starting at ${raw}`);
}

interface OnceResult {
  status: number;
  contentType: string;
  body: Buffer;
  redirect: string | null;
}

function guardedLookup(policy: NetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { all: true })
      .then((addresses) => {
        for (const a of addresses) checkAddress(policy, hostname, a.address);
        if (options.all) callback(null, addresses);
        else callback(null, (addresses[0] as { address: string }).address, (addresses[0] as { family: number }).family);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, '', 0));
  };
}

function getOnce(policy: NetPolicy, limits: FetchLimits, url: URL, signal: AbortSignal): Promise<OnceResult> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node skips `lookup` for IP literals, so those are checked here.
  if (isIP(host)) checkAddress(policy, host, host);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<OnceResult>((resolve, reject) => {
    const fail = (error: unknown) => reject(toToolError(error, url, limits));
    const req = request(url, { method: 'GET', lookup: guardedLookup(policy), signal, headers: { 'user-agent': 'autodev-fetch/0.1' } }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        resolve({ status, contentType: '', body: Buffer.alloc(0), redirect: location });
        return;
      }
      const declared = Number(res.headers['content-length'] ?? '0');
      if (declared > limits.maxBytes) {
        res.destroy();
        reject(tooLarge(url, limits));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxBytes) {
          res.destroy();
          reject(tooLarge(url, limits));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks), redirect: null }));
      res.on('error', fail);
    });
    req.on('error', fail);
    req.end();
  });
}

function tooLarge(url: URL, limits: FetchLimits): ToolError {
  return new ToolError('too_large', `${url} is larger than the ${limits.maxBytes}-byte limit (config mcp.fetch.maxBytes)`);
}

function toToolError(error: unknown, url: URL, limits: FetchLimits): ToolError {
  if (error instanceof ToolError) return error;
  const name = (error as Error).name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ToolError('timeout', `${url} did not answer within ${limits.timeoutMs} ms (config mcp.fetch.timeoutMs)`, { cause: error });
  }
  return new ToolError('failed', `could not fetch ${url}: ${(error as Error).message}`, { cause: error });
}
