/**
 * The one parameterised Dockerfile, its .dockerignore and scripts/deploy-artifacts, checked without a
 * Docker engine: parsed with dockerfile-ast and linted with dockerfile-utils (the validator behind the
 * VS Code Docker extension), then compared with package.json, the services and the deploy script.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Copy } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import {
  envOfChain,
  instructionsOf,
  jsonWords,
  lastOfChain,
  loadCompose,
  loadDockerfile,
  parseDockerfile,
  readPackageJson,
  readRepoFile,
  repoPath,
  servicePackages,
  shellWords,
  stageChain,
  stageNamed,
  type ParsedDockerfile,
  type Stage,
} from './docker-files';

const dockerfile = loadDockerfile();
const root = readPackageJson('.');
const ours = servicePackages();
const { compose } = loadCompose();

/** Every check the linter has, as an error. */
const strictLint: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const describeDiagnostics = (text: string) =>
  validate(text, strictLint).map(
    (diagnostic) =>
      `line ${diagnostic.range.start.line + 1}: ${typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value}`,
  );

const runLines = (stage: Stage): string[] => instructionsOf(stage, 'RUN').map((run) => run.getArgumentsContent() ?? '');

/** The stage an image is made of: the last one (default target) and every stage compose targets. */
function imageStages(parsed: ParsedDockerfile): Stage[] {
  const targets = new Set(
    Object.values(compose.services).flatMap((service) =>
      typeof service.build === 'object' && service.build.target ? [service.build.target] : [],
    ),
  );
  return parsed.stages.filter((stage, index) => index === parsed.stages.length - 1 || (stage.name && targets.has(stage.name)));
}

/** The stages that only exist to build (no image is made from them and none builds on them). */
const buildStages = dockerfile.stages.filter(
  (stage) => !imageStages(dockerfile).some((image) => stageChain(dockerfile, image).includes(stage)),
);

/** The command of an image stage as words: ENTRYPOINT then CMD (a CMD inherited from node's image is reset by ENTRYPOINT). */
function startCommand(stage: Stage): string[] {
  const chain = stageChain(dockerfile, stage);
  const entrypoint = lastOfChain(chain, 'ENTRYPOINT');
  const cmd = lastOfChain(chain, 'CMD');
  const words = [...(entrypoint ? (jsonWords(entrypoint) ?? ['<shell form>']) : []), ...(cmd ? (jsonWords(cmd) ?? ['<shell form>']) : [])];
  return words;
}

/** The `pnpm --filter ... deploy ...` command of the build stage (inside its loop over the packages). */
function deployCommand(): string | undefined {
  const line = buildStages.flatMap(runLines).find((candidate) => / deploy /.test(candidate));
  if (!line) return undefined;
  return line
    .slice(line.indexOf('pnpm --filter'))
    .split(/\s*(?:\|\||;|\\\n)\s*/)[0]
    ?.trim();
}

/** The packages the build stage deploys: the words of its `for SERVICE in ...; do` loop. */
function deployedPackages(): string[] {
  const line = buildStages.flatMap(runLines).find((candidate) => / deploy /.test(candidate)) ?? '';
  return (/for SERVICE in ([^;]+);/.exec(line)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

describe('Dockerfile lint (dockerfile-utils)', () => {
  it('finds nothing wrong with the Dockerfile', () => {
    assert.deepEqual(describeDiagnostics(dockerfile.text), []);
  });

  it('is live: it reports the mistakes it knows about', () => {
    const broken = "from node:24.11.1-bookworm-slim\nWORKDIR app\nRUN echo \\\n\n  done\nFOO bar\nCMD ['node']\n";
    const found = describeDiagnostics(broken).join('\n');
    assert.match(found, /uppercase/);
    assert.match(found, /WORKDIR paths should be absolute/);
    assert.match(found, /Empty continuation line/);
    assert.match(found, /Unknown instruction: FOO/);
  });
});

describe('Dockerfile', () => {
  it('is multi-stage: the images copy a built folder and never install or compile themselves', () => {
    assert.ok(dockerfile.stages.length >= 2, 'a single stage');
    assert.ok(buildStages.length >= 1, 'no build-only stage');
    for (const stage of imageStages(dockerfile)) {
      for (const link of stageChain(dockerfile, stage)) {
        const runs = runLines(link).join('\n');
        assert.doesNotMatch(runs, /\b(pnpm|npm|tsc|yarn)\b/, `stage ${link.name ?? '?'} installs or builds: ${runs}`);
      }
      const copies = stageChain(dockerfile, stage).flatMap((link) => instructionsOf(link, 'COPY'));
      const fromBuild = copies.filter((copy) => buildStages.some((build) => (copy as Copy).getFromFlag()?.getValue() === build.name));
      assert.ok(fromBuild.length > 0, `stage ${stage.name ?? '?'} copies nothing from a build stage`);
    }
  });

  it('bases every stage on node:<full version>-<debian>-slim, the Node version .env pins', () => {
    const external = dockerfile.stages.filter((stage) => !dockerfile.stages.some((other) => other.name === stage.baseImage));
    assert.ok(external.length > 0);
    for (const stage of external) {
      assert.match(
        stage.baseImage,
        /^node:\d+\.\d+\.\d+-(bookworm|trixie)-slim$/,
        `stage ${stage.name ?? '?'} is based on ${stage.baseImage}`,
      );
    }
    const nodeVersion = dockerfile.globalArgs.get('NODE_VERSION');
    assert.ok(nodeVersion, 'no global ARG NODE_VERSION default');
    const dotEnv = loadCompose().dotEnv;
    assert.equal(nodeVersion, dotEnv.get('NODE_VERSION'), 'the Dockerfile default and .env disagree');
    const requiredMajor = /(\d+)/.exec(root.engines?.node ?? '')?.[1];
    assert.equal(nodeVersion.split('.')[0], requiredMajor);
  });

  it('installs the pnpm of packageManager and the lockfile exactly', () => {
    const build = buildStages.flatMap(runLines).join('\n');
    const pnpmArg = buildStages.flatMap((stage) => instructionsOf(stage, 'ARG')).map((arg) => arg.getArgumentsContent() ?? '');
    const pinned = pnpmArg.find((content) => content.startsWith('PNPM_VERSION='))?.split('=')[1];
    assert.equal(`pnpm@${pinned}`, root.packageManager);
    assert.match(build, /(npm install --global [^\n]*pnpm@\$\{PNPM_VERSION\}|corepack enable)/);
    assert.match(build, /pnpm install [^\n]*--frozen-lockfile/);
  });

  it('cuts the service out with pnpm deploy --prod, in a mode pnpm 10 accepts', () => {
    const deploy = deployCommand();
    assert.ok(deploy, 'no pnpm deploy');
    const words = shellWords(deploy);
    assert.equal(words[0], 'pnpm');
    assert.ok(words.includes('--prod'), deploy);
    assert.ok(words.includes('--filter') && words[words.indexOf('--filter') + 1] === '@tracecart/${SERVICE}', deploy);
    // pnpm 10 refuses to deploy a workspace that does not inject its packages, unless --legacy.
    const injects = /^\s*injectWorkspacePackages:\s*true\s*$/m.test(readRepoFile('pnpm-workspace.yaml'));
    assert.ok(words.includes('--legacy') || injects, 'pnpm 10 needs --legacy or injectWorkspacePackages: true');
  });

  it("installs and compiles the workspace once, before any build argument, and deploys every image's package there", () => {
    const build = buildStages.find((stage) => / deploy /.test(runLines(stage).join('\n')));
    assert.ok(build, 'no build stage deploys');
    // An ARG changes the cache key of every later instruction: none before the install and compile,
    // so every image's build finds the shared stage in the cache.
    assert.deepEqual(
      instructionsOf(build, 'ARG').map((arg) => arg.getArgumentsContent()?.split('=')[0]),
      ['PNPM_VERSION'],
    );
    const images = new Set(
      Object.values(compose.services).flatMap((service) =>
        typeof service.build === 'object' && service.build.args ? [String((service.build.args as Record<string, unknown>).SERVICE)] : [],
      ),
    );
    assert.deepEqual(deployedPackages().sort(), [...images].sort());
    const compile = runLines(build).find((line) => /^pnpm --filter .* run build$/.test(line)) ?? '';
    for (const name of images) assert.ok(compile.includes(`"@tracecart/${name}..."`), `the shared build does not compile ${name}`);
  });

  it('runs as the unprivileged node user with NODE_ENV=production', () => {
    for (const stage of imageStages(dockerfile)) {
      const chain = stageChain(dockerfile, stage);
      const user = lastOfChain(chain, 'USER')?.getArgumentsContent();
      assert.equal(user, 'node', `stage ${stage.name ?? '?'} runs as ${user ?? 'root'}`);
      assert.equal(envOfChain(chain).get('NODE_ENV'), 'production', `stage ${stage.name ?? '?'}`);
    }
  });

  it('starts each service with its package.json start command: node --require the telemetry preload, then dist/main.js', () => {
    const serviceStage = dockerfile.stages.at(-1) as Stage;
    const command = startCommand(serviceStage);
    assert.ok(!command.includes('<shell form>'), 'shell form: signals would go to /bin/sh, not node');
    const preload = command.indexOf('--require');
    assert.ok(preload > 0 && command[preload + 1] === '@tracecart/telemetry/register', command.join(' '));
    assert.ok(preload < command.indexOf('dist/main.js'), 'the preload must come before the entry point');
    for (const name of ours) {
      assert.equal(
        command.join(' '),
        readPackageJson(`services/${name}`).scripts?.start,
        `${name}'s start script differs from the image's command`,
      );
    }
    assert.ok(instructionsOf(serviceStage, 'EXPOSE').length > 0, 'the service stage exposes no port');
  });

  it("starts the load image with the root package.json's load command", () => {
    const loadTarget = compose.services.load?.build;
    assert.ok(typeof loadTarget === 'object' && loadTarget.target);
    const command = startCommand(stageNamed(dockerfile, loadTarget.target));
    // Root: "load": "node load/tools/dist/load-cli.js"; inside the image the package folder is the working directory.
    const expected = (root.scripts?.load ?? '').replace(/ load\/tools\//, ' ');
    assert.equal(command.join(' '), expected);
  });

  it('ships compiled files, not a bundle', () => {
    const bundlers = /\b(esbuild|webpack|rollup|@vercel\/ncc|ncc|tsup|parcel|rspack|bun build|pkg)\b/;
    assert.doesNotMatch(dockerfile.text.replace(/^#.*$/gm, ''), bundlers);
    for (const name of [...ours, 'load']) {
      const dir = name === 'load' ? 'load/tools' : `services/${name}`;
      const manifest = readPackageJson(dir);
      // The shop's browser code is the one thing bundled (web/bundle.mjs, from web/src only); the server
      // that runs is compiled by tsc like every service, and no runtime dependency is a bundler.
      const browserBuild = existsSync(repoPath(dir, 'web', 'bundle.mjs'));
      const scripts = Object.values(manifest.scripts ?? {})
        .map((script) => (browserBuild ? script.replace(/node web\/bundle\.mjs/g, '') : script))
        .join('\n');
      const dependencies = Object.keys({ ...manifest.dependencies, ...(browserBuild ? {} : manifest.devDependencies) }).join('\n');
      assert.doesNotMatch(`${scripts}\n${dependencies}`, bundlers, name);
      if (browserBuild) {
        assert.match(
          readRepoFile(path.join(dir, 'web', 'bundle.mjs')),
          /entryPoints: \[path\.join\(here, 'src', 'main\.ts'\)\]/,
          `${name}: bundles only web/src`,
        );
        assert.match(
          manifest.scripts?.start ?? '',
          /^node --require @tracecart\/telemetry\/register dist\/main\.js$/,
          `${name}: starts tsc's output`,
        );
      }
    }
  });

  it("ships each service's dist/ and migrations/ (package.json files, which pnpm deploy copies by)", () => {
    for (const name of ours) {
      const files = readPackageJson(`services/${name}`).files;
      assert.ok(files, `services/${name}/package.json has no "files": pnpm deploy would copy the sources too`);
      assert.ok(
        files.some((entry) => /^\.?\/?dist\/?$/.test(entry)),
        `${name}: "files" lacks dist`,
      );
      // A service that owns a database ships its migrations (the shop owns none).
      if (existsSync(repoPath('services', name, 'migrations'))) {
        assert.ok(
          files.some((entry) => /^\.?\/?migrations\/?$/.test(entry)),
          `${name}: "files" lacks migrations`,
        );
      }
    }
  });

  it("builds the shop's browser bundle into the dist/ its image ships", () => {
    // The image runs `pnpm --filter @tracecart/<SERVICE>... run build`: for a package with a browser side,
    // that script must bundle it too, into dist/public (served from dist/, which pnpm deploy copies).
    const build = dockerfile.text.split('\n').find((line) => /^RUN pnpm --filter .* run build$/.test(line.trim()));
    assert.ok(build, 'the Dockerfile runs no package build script');
    for (const name of ours.filter((folder) => existsSync(repoPath('services', folder, 'web', 'bundle.mjs')))) {
      const manifest = readPackageJson(`services/${name}`);
      assert.match(manifest.scripts?.build ?? '', /node web\/bundle\.mjs/, `${name}: its build script does not bundle the browser code`);
      assert.match(
        readRepoFile(`services/${name}/web/bundle.mjs`),
        /path\.join\(here, '\.\.', 'dist', 'public'\)/,
        `${name}: the bundle is not written under dist/`,
      );
      assert.ok((manifest.files ?? []).includes('dist'), `${name}: "files" lacks dist`);
    }
  });

  it('checks the stage rules against a Dockerfile that breaks them (the helpers see what they claim)', () => {
    const bad = parseDockerfile('FROM node:latest\nWORKDIR /app\nCOPY . .\nRUN pnpm install\nCMD node dist/main.js\n');
    assert.equal(bad.stages.length, 1);
    assert.doesNotMatch(bad.stages[0]?.baseImage ?? '', /^node:\d+\.\d+\.\d+-/);
    assert.equal(lastOfChain(stageChain(bad, bad.stages[0] as Stage), 'USER'), undefined);
    assert.equal(jsonWords(lastOfChain(bad.stages, 'CMD') as never), undefined);
  });
});

describe('.dockerignore', () => {
  const patterns = readRepoFile('.dockerignore')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

  it('keeps everything .gitignore ignores out of the build context', () => {
    const ignored = readRepoFile('.gitignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    for (const entry of ignored) {
      const bare = entry.replace(/\/$/, '');
      assert.ok(
        patterns.includes(bare) || patterns.includes(`**/${bare}`),
        `.gitignore ignores ${entry} but .dockerignore does not (use ${bare} or **/${bare})`,
      );
    }
  });

  it('leaves the files the image build needs in the context', () => {
    for (const needed of ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'services', 'shared', 'load']) {
      assert.ok(!patterns.includes(needed) && !patterns.includes(`**/${needed}`), `${needed} is ignored`);
    }
  });
});

describe('scripts/deploy-artifacts', () => {
  const script = readFileSync(repoPath('scripts', 'deploy-artifacts'), 'utf8');
  const pnpmLines = (text: string) =>
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^(RUN )?pnpm --filter /.test(line))
      .map((line) => shellWords(line.replace(/^RUN /, '').replace(/\s*>&2$/, '')));

  it('runs the same pnpm build and deploy commands as the Dockerfile (the output folder aside)', () => {
    const inScript = pnpmLines(script);
    assert.equal(inScript.length, 2, 'the script has no `pnpm --filter` build and deploy');
    const [build = [], deploy = []] = inScript;
    // Build: the Dockerfile compiles every image's package in one command, the script one package; both
    // with the package and the workspace packages it depends on (`...`).
    assert.deepEqual(build, ['pnpm', '--filter', '@tracecart/${SERVICE}...', 'run', 'build']);
    const compile = shellWords(buildStages.flatMap(runLines).find((line) => /^pnpm --filter .* run build$/.test(line)) ?? '');
    assert.deepEqual(compile.slice(-2), ['run', 'build']);
    assert.ok(compile.filter((word) => word.startsWith('@tracecart/')).every((word) => word.endsWith('...')));
    // Deploy: the same command; its last word is the target folder (/out/<name> in the image).
    const inDockerfile = shellWords(deployCommand() ?? '');
    assert.ok(inDockerfile.length > 0, 'the Dockerfile has no pnpm deploy');
    assert.deepEqual(deploy.slice(0, -1), inDockerfile.slice(0, -1));
  });

  it('deploys into .stack/deploy/<name>, which git ignores', () => {
    assert.match(script, /DEPLOY_DIR="\$STACK_DIR\/deploy"/);
    assert.match(readRepoFile('.gitignore'), /^\.stack\/?$/m);
  });
});
