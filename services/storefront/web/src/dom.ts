/** Small DOM helpers: elements built with text nodes only (no HTML from data ever reaches innerHTML). */

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<Record<string, string>> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) if (value !== undefined) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`page has no #${id}`);
  return element as T;
}

/** A definition list from label/value pairs. */
export function facts(entries: Array<[string, Child]>): HTMLDListElement {
  const list = h('dl');
  for (const [label, value] of entries) list.append(h('dt', {}, label), h('dd', {}, value));
  return list;
}

export const money = (amount: number) => `$${amount.toFixed(2)}`;
