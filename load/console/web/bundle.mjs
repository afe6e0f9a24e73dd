// Builds the lab console's browser side into dist/public/: app.js (bundled and minified by esbuild, with
// uPlot), index.html and style.css (uPlot's stylesheet appended). Type-checks the browser code first and
// prints the bundle's gzipped size.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'dist', 'public');
const require = createRequire(import.meta.url);

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(here, 'tsconfig.json')], { stdio: 'inherit' });

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
copyFileSync(path.join(here, 'index.html'), path.join(out, 'index.html'));
const uplotCss = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
writeFileSync(path.join(out, 'style.css'), `${readFileSync(path.join(here, 'style.css'), 'utf8')}\n/* uPlot */\n${uplotCss}\n`);

const js = readFileSync(path.join(out, 'app.js'));
const kb = (bytes) => (bytes / 1024).toFixed(1);
console.log(`lab console web bundle: app.js ${kb(js.length)} KB, ${kb(gzipSync(js, { level: 9 }).length)} KB gzipped`);
