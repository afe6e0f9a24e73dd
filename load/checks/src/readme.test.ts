/**
 * The README stays true to the code: every `pnpm <script>` and `./scripts/<file>` it tells a newcomer to
 * run exists, and the hunt walkthrough it links (docs/hunt-the-bottleneck.md) carries the pathology
 * catalogue's own words.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fixCommand, pathologies } from '@tracecart/lab-catalogue';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('repo root not found');
    dir = parent;
  }
  return dir;
}

const root = repoRoot();
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const hunt = readFileSync(path.join(root, 'docs', 'hunt-the-bottleneck.md'), 'utf8');

describe('docs/hunt-the-bottleneck.md', () => {
  it('is linked from the README', () => {
    assert.ok(readme.includes('(docs/hunt-the-bottleneck.md)'), 'the README does not link the hunt walkthrough');
  });

  for (const pathology of pathologies) {
    it(`describes ${pathology.name} in the catalogue's words`, () => {
      for (const text of [pathology.title, pathology.cause, pathology.inJaeger, pathology.fix, fixCommand(pathology.name)]) {
        assert.ok(hunt.includes(text), `docs/hunt-the-bottleneck.md lacks, for ${pathology.name}: ${text}`);
      }
    });
  }
});

describe('README', () => {
  it('only names pnpm scripts that exist', () => {
    const scripts = Object.keys(
      (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts,
    );
    const named = new Set([...readme.matchAll(/`pnpm ([a-z][a-z-]*)/g)].map((match) => match[1]!));
    const builtIn = new Set(['install', 'deploy', 'run', 'exec']);
    assert.ok(named.size >= 4, `expected pnpm commands in README, found ${[...named].join(', ')}`);
    for (const name of named) assert.ok(scripts.includes(name) || builtIn.has(name), `README runs pnpm ${name}, which package.json lacks`);
  });

  it('only names scripts/ files that exist and are executable or sourced', () => {
    const files = new Set([...readme.matchAll(/scripts\/([a-z][a-z0-9.-]*)/g)].map((match) => match[1]!));
    assert.ok(files.has('stack') && files.has('test'));
    for (const file of files) assert.ok(existsSync(path.join(root, 'scripts', file)), `README names scripts/${file}, which is missing`);
  });
});
