/**
 * The console changes the stack (switches, load), so a state-changing request must come from the console's
 * own page: another web page open in the learner's browser must not start a load through it. A browser
 * names the page's origin in `Origin` and says whether it is the same site in `Sec-Fetch-Site`; a request
 * is accepted when it carries at least one of them and neither names another origin. The `Host` header is
 * checked on every request too, so a DNS-rebound name cannot reach the console.
 */
import type { RequestHandler } from 'express';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origins the console answers as: LAB_URL's, and loopback at the port it listens on. */
export function ownOrigins(labUrl: string, port: number): Set<string> {
  return new Set([new URL(labUrl).origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`]);
}

export function sameOriginOnly(origins: Set<string>): RequestHandler {
  const hosts = new Set([...origins].map((origin) => new URL(origin).host));
  return (request, response, next) => {
    const refuse = (error: string, message: string): void => {
      response.status(403).json({ error, message });
    };
    if (!hosts.has(request.headers.host ?? '')) {
      refuse('host_not_allowed', `the lab console answers as ${[...hosts].join(', ')}, not ${request.headers.host ?? '(no host)'}`);
      return;
    }
    if (SAFE_METHODS.has(request.method)) {
      next();
      return;
    }
    const origin = request.headers.origin;
    const site = request.headers['sec-fetch-site'];
    if (origin !== undefined && !origins.has(origin)) {
      refuse('cross_origin', `changes are accepted only from the lab console's own page, not from ${origin}`);
      return;
    }
    if (site !== undefined && site !== 'same-origin') {
      refuse('cross_origin', `changes are accepted only from the lab console's own page (Sec-Fetch-Site: ${String(site)})`);
      return;
    }
    if (origin === undefined && site === undefined) {
      refuse('origin_required', "changes need the console's page: the request named no Origin");
      return;
    }
    next();
  };
}
