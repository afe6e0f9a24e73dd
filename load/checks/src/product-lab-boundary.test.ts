/**
 * "Nothing in the product imports the lab" (README): no file under services/ or shared/ imports a
 * package that lives under load/ or a path into load/, and no product package depends on one. And the
 * lab's own text about the pathologies (teaching prose, hints, loads, report signatures) is defined in the
 * lab (load/lab-catalogue), not in the runtime's shared/scenarios.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as productScenarios from '@tracecart/scenarios';
import { decoys as labDecoys, pathologies as labPathologies } from '@tracecart/lab-catalogue';
import { repoPath } from './docker-files';

/** The fields only the lab reads: in the lab catalogue, never in shared/. */
const labOnlyFields = ['cause', 'inJaeger', 'signature', 'alsoShownBy', 'foundOn', 'keyLatency', 'load', 'hints', 'whyHarmless', 'span'];

const sourceExtensions = /\.(ts|mts|cts|js|mjs|cjs|tsx)$/;

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (sourceExtensions.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(full);
  }
  return files;
}

/** Every module specifier a file names: import/export ... from, import(), require(). */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) found.push(match[1]!);
  return found;
}

function packageNamesUnder(dir: string): string[] {
  return readdirSync(repoPath(dir))
    .map((name) => path.join(repoPath(dir), name, 'package.json'))
    .filter((file) => statSync(file, { throwIfNoEntry: false })?.isFile())
    .map((file) => (JSON.parse(readFileSync(file, 'utf8')) as { name: string }).name);
}

const labPackages = packageNamesUnder('load');
const productDirs = ['services', 'shared'].map((dir) => repoPath(dir));

describe('the product does not import the lab', () => {
  it('knows the lab packages (every package under load/)', () => {
    assert.ok(labPackages.includes('@tracecart/lab-catalogue'), labPackages.join(', '));
    assert.ok(labPackages.includes('@tracecart/load'), labPackages.join(', '));
  });

  it('no file under services/ or shared/ imports a lab package or a path into load/', () => {
    const files = productDirs.flatMap(sourceFiles);
    assert.ok(files.length > 50, `${files.length} product source files`);
    const crossings: string[] = [];
    for (const file of files) {
      for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
        const labPackage = labPackages.find((name) => specifier === name || specifier.startsWith(`${name}/`));
        const intoLoad =
          specifier.startsWith('.') &&
          path.relative(repoPath('load'), path.resolve(path.dirname(file), specifier)).split(path.sep)[0] !== '..';
        if (labPackage || intoLoad) crossings.push(`${path.relative(repoPath(), file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(crossings, []);
  });

  it('no product package depends on a lab package', () => {
    const dependents: string[] = [];
    for (const dir of ['services', 'shared']) {
      for (const name of readdirSync(repoPath(dir))) {
        const file = repoPath(dir, name, 'package.json');
        if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
        const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, string> | undefined>;
        for (const field of ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies']) {
          for (const dependency of Object.keys(manifest[field] ?? {})) {
            if (labPackages.includes(dependency)) dependents.push(`${dir}/${name} ${field}: ${dependency}`);
          }
        }
      }
    }
    assert.deepEqual(dependents, []);
  });

  it('the checker sees a crossing when there is one', () => {
    // The same tests as above on made-up lines, so a checker that matches nothing cannot pass unnoticed.
    assert.deepEqual(specifiers(`import { pathology } from '@tracecart/lab-catalogue';\nconst x = require('../../load/tools/dist/x');`), [
      '@tracecart/lab-catalogue',
      '../../load/tools/dist/x',
    ]);
    const file = repoPath('services', 'order', 'src', 'main.ts');
    assert.equal(
      path.relative(repoPath('load'), path.resolve(path.dirname(file), '../../../load/tools/src/x')).split(path.sep)[0],
      'tools',
    );
  });
});

describe("the lab's text lives in the lab", () => {
  const sharedSources = sourceFiles(repoPath('shared'));
  /** `name:` or `name?:` as a property defined in an object literal, interface or type. */
  const definition = (field: string) => new RegExp(`(^|[{,;])\\s*(readonly\\s+)?['"]?${field}['"]?\\??\\s*:`, 'm');

  it('no lab-only field is defined under shared/', () => {
    // `span` and `load` are common words: telemetry code may name a property so. They count in the
    // scenarios package (the runtime's catalogue); the other names count anywhere under shared/.
    const commonWords = ['span', 'load'];
    const defined: string[] = [];
    for (const file of sharedSources) {
      const text = readFileSync(file, 'utf8');
      const inCatalogue = file.includes(`${path.sep}scenarios${path.sep}`);
      for (const field of labOnlyFields) {
        if (!inCatalogue && commonWords.includes(field)) continue;
        if (definition(field).test(text)) defined.push(`${path.relative(repoPath(), file)}: ${field}`);
      }
    }
    assert.ok(
      sharedSources.some((file) => file.endsWith(path.join('scenarios', 'src', 'index.ts'))),
      'the runtime catalogue is read',
    );
    assert.deepEqual(defined, []);
  });

  it("no lab-only field reaches the runtime's catalogue objects", () => {
    const leaked: string[] = [];
    const walk = (value: unknown, where: string) => {
      if (Array.isArray(value)) value.forEach((item, index) => walk(item, `${where}[${index}]`));
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if (labOnlyFields.includes(key)) leaked.push(`${where}.${key}`);
          walk(child, `${where}.${key}`);
        }
      }
    };
    for (const [name, value] of Object.entries(productScenarios)) walk(value, name);
    assert.deepEqual(leaked, []);
  });

  it('the lab catalogue has every lab-only field, for every pathology and decoy', () => {
    for (const entry of labPathologies) {
      for (const field of ['cause', 'inJaeger', 'signature', 'foundOn', 'keyLatency', 'load', 'hints'])
        assert.ok(field in entry, `${entry.name}: ${field}`);
      assert.equal(entry.hints.length, 3);
    }
    for (const decoy of labDecoys)
      for (const field of ['span', 'title', 'whyHarmless']) assert.ok(field in decoy, `${decoy.name}: ${field}`);
    assert.deepEqual(
      labPathologies.map((entry) => entry.name),
      productScenarios.pathologyNames,
    );
  });
});
