/** Elements built from text nodes only: nothing from the server ever reaches innerHTML. */
type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  children: Child[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

export function $(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`no #${id} on the page`);
  return element;
}

export function say(id: string, text: string, tone: 'ok' | 'bad' | '' = ''): void {
  const element = $(id);
  element.textContent = text;
  element.className = `message ${tone}`.trim();
}

export const ms = (value: number | null | undefined): string =>
  value === null || value === undefined ? '–' : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;

export interface Settings {
  jaegerUiUrl: string;
  shopUrl: string;
}

export function settings(): Settings {
  return JSON.parse($('settings').textContent ?? '{}') as Settings;
}
