/**
 * The page itself: one HTML shell for the shop (`/`) and for one order (`/orders/:id`, the link Jaeger's
 * UI opens for a span's `app.order.id`), with the browser's settings written into it, and the bundle and
 * stylesheet under `/assets/`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

/** What the browser code needs to know: where the trace viewer and the lab console are. */
export interface PageSettings {
  jaegerUiUrl: string;
  labUrl: string;
}

/** Where web/bundle.mjs writes index.html, app.js and style.css. */
export const publicDir = path.join(__dirname, 'public');

/** JSON that is safe inside a <script> element (no `</script>`, no `<!--`). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function pageRoutes(settings: PageSettings, dir = publicDir): Router {
  const template = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const html = template.replace('<!--settings-->', `<script id="settings" type="application/json">${scriptJson(settings)}</script>`);
  const router = Router();
  const sendPage: express.RequestHandler = (_request, response) => {
    response.type('html').setHeader('cache-control', 'no-cache');
    response.send(html);
  };
  router.get('/', sendPage);
  router.get('/orders/:id', sendPage);
  router.use('/assets', express.static(dir, { index: false, maxAge: '1h', fallthrough: true }));
  return router;
}
