import { z } from 'zod';
import type { MemoryStore } from '../../memory/memory-store.js';
import { guardedGet, type FetchLimits, type FetchedResponse } from '../http-get.js';
import { htmlToMarkdown } from '../html-markdown.js';
import { checkUrl, type NetPolicy } from '../net-policy.js';
import { ToolError, toolFor, type ToolDefinition } from '../tool.js';
import { Workspace } from '../workspace.js';

export interface FetchToolDeps {
  policy: NetPolicy;
  limits: FetchLimits;
  /** Where download_file writes. */
  workspace: string;
  /** fetch_documentation stores its Markdown here when given. */
  memory?: () => Promise<MemoryStore>;
  taskId?: string;
}

const tool = toolFor<FetchToolDeps>();
const Url = z.string().min(1).max(2000).describe('absolute http or https URL');

const get = (deps: FetchToolDeps, url: string): Promise<FetchedResponse> => guardedGet(deps.policy, deps.limits, url);

function asText(body: Buffer, maxChars: number): { text: string; truncated: boolean } {
  const text = body.toString('utf8');
  return { text: text.slice(0, maxChars), truncated: text.length > maxChars };
}

export const fetchUrl = tool({
  name: 'fetch_url',
  description: 'GET a URL and return its body as text (within the configured time and size limits).',
  inputSchema: z.object({ url: Url, maxChars: z.number().int().min(1).max(1_000_000).default(100_000) }).strict(),
  outputSchema: z.object({ url: z.string(), status: z.number().int(), contentType: z.string(), bytes: z.number().int(), text: z.string(), truncated: z.boolean() }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  async handler({ url, maxChars }, deps) {
    const res = await get(deps, url);
    return { url: res.url, status: res.status, contentType: res.contentType, bytes: res.body.length, ...asText(res.body, maxChars) };
  },
});

export const fetchDocumentation = tool({
  name: 'fetch_documentation',
  description: 'Fetch an HTML documentation page, convert it to clean Markdown, and store it in the job memory as an api_doc.',
  inputSchema: z.object({ url: Url, tags: z.array(z.string().min(1).max(100)).max(20).default([]), maxChars: z.number().int().min(1).max(200_000).default(50_000) }).strict(),
  outputSchema: z.object({ url: z.string(), title: z.string(), markdown: z.string(), truncated: z.boolean(), memoryId: z.string().nullable() }),
  annotations: { openWorldHint: true },
  async handler({ url, tags, maxChars }, deps) {
    const res = await get(deps, url);
    if (res.status >= 400) throw new ToolError('failed', `${res.url} answered HTTP ${res.status}; check the URL`);
    const page = htmlToMarkdown(res.body.toString('utf8'), res.url);
    const markdown = page.markdown.slice(0, maxChars);
    let memoryId: string | null = null;
    if (deps.memory && markdown.length > 0) {
      const record = await (await deps.memory()).store({
        content: page.title ? `# ${page.title}\n\n${markdown}` : markdown,
        metadata: { type: 'api_doc', source: res.url, taskId: deps.taskId ?? null, tags },
      });
      memoryId = record.id;
    }
    return { url: res.url, title: page.title, markdown, truncated: page.markdown.length > maxChars, memoryId };
  },
});

export const scrapeWebsite = tool({
  name: 'scrape_website',
  description: 'Crawl pages of one site breadth-first from a URL (same origin only) and return each page as Markdown with its links.',
  inputSchema: z.object({ url: Url, maxPages: z.number().int().min(1).max(20).default(5), maxCharsPerPage: z.number().int().min(100).max(50_000).default(4000) }).strict(),
  outputSchema: z.object({
    pages: z.array(z.object({ url: z.string(), status: z.number().int(), title: z.string(), markdown: z.string(), links: z.array(z.string()) })),
    errors: z.array(z.object({ url: z.string(), message: z.string() })),
  }),
  annotations: { readOnlyHint: true, openWorldHint: true },
  async handler({ url, maxPages, maxCharsPerPage }, deps) {
    const origin = checkUrl(deps.policy, url).origin;
    const queue = [url];
    const seen = new Set<string>(queue);
    const pages: Array<{ url: string; status: number; title: string; markdown: string; links: string[] }> = [];
    const errors: Array<{ url: string; message: string }> = [];
    while (queue.length > 0 && pages.length < maxPages) {
      const next = queue.shift() as string;
      try {
        const res = await get(deps, next);
        const page = htmlToMarkdown(res.body.toString('utf8'), res.url);
        pages.push({ url: res.url, status: res.status, title: page.title, markdown: page.markdown.slice(0, maxCharsPerPage), links: page.links });
        for (const link of page.links) {
          if (new URL(link).origin === origin && !seen.has(link)) {
            seen.add(link);
            queue.push(link);
          }
        }
      } catch (error) {
        errors.push({ url: next, message: (error as Error).message });
      }
    }
    return { pages, errors };
  },
});

export const downloadFile = tool({
  name: 'download_file',
  description: 'Download a URL into a file of the job workspace.',
  inputSchema: z.object({ url: Url, path: z.string().min(1).max(500).describe('destination, relative to the workspace root') }).strict(),
  outputSchema: z.object({ path: z.string(), bytes: z.number().int(), contentType: z.string(), status: z.number().int() }),
  annotations: { openWorldHint: true },
  async handler({ url, path }, deps) {
    const ws = new Workspace(deps.workspace);
    const target = await ws.resolve(path, 'write');
    const res = await get(deps, url);
    if (res.status >= 400) throw new ToolError('failed', `${res.url} answered HTTP ${res.status}; nothing was written`);
    const handle = await ws.openRegular(target, 'write', path);
    try {
      await handle.writeFile(res.body);
    } finally {
      await handle.close();
    }
    return { path: ws.relative(target), bytes: res.body.length, contentType: res.contentType, status: res.status };
  },
});

export const FETCH_TOOLS: ReadonlyArray<ToolDefinition<FetchToolDeps>> = [fetchUrl, fetchDocumentation, scrapeWebsite, downloadFile];
