/** The page's settings: where Jaeger's UI and the lab console are, as the server wrote them into the page. */
import { byId } from './dom';

export interface Settings {
  jaegerUiUrl: string;
  labUrl: string;
}

export function readSettings(): Settings {
  const fallback = { jaegerUiUrl: 'http://localhost:16686', labUrl: 'http://localhost:8084' };
  try {
    return { ...fallback, ...(JSON.parse(byId('settings').textContent ?? '{}') as Partial<Settings>) };
  } catch {
    return fallback;
  }
}
