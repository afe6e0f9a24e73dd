// Builds the shop's browser side into dist/public/: app.js (bundled and minified by esbuild: the only
// bundled code in Tracecart; the Node services run unbundled), index.html and style.css. It type-checks
// the browser code first and prints the bundle's gzipped size (budget: 250 KB).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'public');
const BUDGET_KB = 250;

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });

mkdirSync(out, { recursive: true });
await build({
  entryPoints: [path.join(here, 'src', 'main.ts')],
  outfile: path.join(out, 'app.js'),
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'iife',
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'linked',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(path.join(here, file), path.join(out, file));

const js = readFileSync(path.join(out, 'app.js'));
const kb = (bytes) => (bytes / 1024).toFixed(1);
const gzipped = gzipSync(js, { level: 9 }).length;
console.log(
  `storefront web bundle: app.js ${kb(js.length)} KB, ${kb(gzipped)} KB gzipped (budget ${BUDGET_KB} KB gzipped)` +
    (gzipped > BUDGET_KB * 1024 ? ' OVER BUDGET' : ''),
);
