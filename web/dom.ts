/**
 * The page builds every element here. Text goes in as text nodes, never as
 * markup, and links may only point inside the page (`#/…`): a job's prompt,
 * file names and logs come from models and apps, and must stay inert. The
 * page's CSP (Trusted Types with no policy) makes an HTML sink throw anyway.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined>;
export type Handlers = { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(parent: Element, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
}

function setAttrs(el: Element, attrs: Attrs): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`event handler attribute ${name}: use the handlers argument`);
    if ((name === 'href' || name === 'src' || name === 'action' || name === 'xlink:href') && !String(value).startsWith('#/')) {
      throw new Error(`${name} may only point inside the page`);
    }
    el.setAttribute(name, value === true ? '' : String(value));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, children: readonly Child[] = [], on: Handlers = {}): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  for (const [type, handler] of Object.entries(on)) el.addEventListener(type, handler as EventListener);
  return el;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Attrs = {}, children: readonly Child[] = []): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** A class name from a status word: statuses come from the daemon's enums, but nothing from the wire picks a class unfiltered. */
export function token(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

export function replaceChildren(parent: Element, children: readonly Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * Re-renders `container` with `render`, then puts keyboard focus back on the
 * element that had it (matched by data-key, href or id), so a live update
 * does not throw a keyboard user back to the top of the page.
 */
export function rerender(container: Element, children: readonly Child[]): void {
  const active = document.activeElement;
  const key = active && container.contains(active) ? (active.getAttribute('data-key') ?? active.getAttribute('href') ?? active.id) : null;
  replaceChildren(container, children);
  if (!key) return;
  const again = [...container.querySelectorAll<HTMLElement>('[data-key],[href],[id]')].find(
    (el) => (el.getAttribute('data-key') ?? el.getAttribute('href') ?? el.id) === key,
  );
  again?.focus();
}
