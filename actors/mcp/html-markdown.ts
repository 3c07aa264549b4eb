import TurndownService from 'turndown';

export interface PageText {
  title: string;
  markdown: string;
  /** Absolute http(s) links found in the page, in order, without duplicates. */
  links: string[];
}

interface Element {
  getAttribute(name: string): string | null;
}

/**
 * HTML to clean Markdown with turndown's parser; scripts, styles and
 * navigation chrome are dropped, and links are collected while converting.
 */
export function htmlToMarkdown(html: string, baseUrl: string): PageText {
  const links = new Set<string>();
  const service = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-' });
  service.remove(['script', 'style', 'noscript', 'iframe', 'nav', 'footer', 'head', 'title']);
  service.addRule('collect-links', {
    filter: 'a',
    replacement: (content: string, node: Element) => {
      const href = node.getAttribute('href');
      if (!href) return content;
      try {
        const url = new URL(href, baseUrl);
        url.hash = '';
        if (url.protocol === 'http:' || url.protocol === 'https:') links.add(url.toString());
        return `[${content}](${url.toString()})`;
      } catch {
        return content;
      }
    },
  });
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? '';
  const markdown = service.turndown(html).replace(/\n{3,}/g, '\n\n').trim();
  return { title: decodeEntities(title), markdown, links: [...links] };
}

function decodeEntities(text: string): string {
  return text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}
