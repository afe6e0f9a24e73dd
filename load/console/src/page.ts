/** The console's page: one HTML shell with its settings written into it; the bundle and stylesheet under /assets/. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

export interface PageSettings {
  jaegerUiUrl: string;
  shopUrl: string;
}

/** Where web/bundle.mjs writes index.html, app.js and style.css. */
export const publicDir = path.join(__dirname, 'public');

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function pageRoutes(settings: PageSettings, dir = publicDir): Router {
  const template = readFileSync(path.join(dir, 'index.html'), 'utf8');
  const html = template
    .replace('<!--settings-->', `<script id="settings" type="application/json">${scriptJson(settings)}</script>`)
    .replaceAll('http://localhost:8083', settings.shopUrl)
    .replaceAll('http://localhost:16686', settings.jaegerUiUrl);
  const router = Router();
  router.get('/', (_request, response) => {
    response.type('html').setHeader('cache-control', 'no-cache');
    // The page may not be framed by another site (clickjacking the switches).
    response.setHeader('content-security-policy', "frame-ancestors 'none'");
    response.setHeader('x-frame-options', 'DENY');
    response.send(html);
  });
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  // Readiness for Kubernetes: the console needs nothing else to serve its page (its runs report what they reach).
  router.get('/readyz', (_request, response) => {
    response.json({ status: 'ready' });
  });
  router.use('/assets', express.static(dir, { index: false, maxAge: '1h' }));
  return router;
}
