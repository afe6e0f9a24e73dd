/**
 * Readers for the container files at the repo root (docker-compose.yml, .env, Dockerfile, .dockerignore,
 * jaeger/config.yaml), shared by compose.test.ts and dockerfile.test.ts. They need no Docker engine:
 * compose's variable substitution is re-implemented here, strictly (a variable that .env does not define
 * and that has no default is an error, where compose would warn and substitute an empty string).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { DockerfileParser, type Instruction, type JSONInstruction, type Env, type From } from 'dockerfile-ast';
import { parse as parseYaml } from 'yaml';

/** The folder holding pnpm-workspace.yaml, found by walking up from `start`. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no pnpm-workspace.yaml in ${start} or above`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();
export const repoPath = (...parts: string[]): string => path.join(repoRoot, ...parts);
export const readRepoFile = (relative: string): string => readFileSync(repoPath(relative), 'utf8');

export interface PackageJson {
  name: string;
  version?: string;
  packageManager?: string;
  engines?: Record<string, string>;
  files?: string[];
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export const readPackageJson = (relativeDir: string): PackageJson =>
  JSON.parse(readRepoFile(path.join(relativeDir, 'package.json'))) as PackageJson;

/** The service packages: every folder under services/ with a package.json. */
export function servicePackages(): string[] {
  return readdirSync(repoPath('services'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(repoPath('services', entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

// ---------------------------------------------------------------------------------------------- .env

/** A .env file in docker compose's dialect: KEY=VALUE lines, `#` comments, optional quotes. */
export function parseDotEnv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) throw new Error(`.env line ${index + 1} is not KEY=VALUE: ${raw}`);
    const key = match[1] as string;
    let value = match[2] as string;
    if (/^"[^"]*"$/.test(value) || /^'[^']*'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '');
    if (vars.has(key)) throw new Error(`.env defines ${key} twice (line ${index + 1})`);
    vars.set(key, value);
  });
  return vars;
}

// ------------------------------------------------------------------------------------- substitution

export class InterpolationError extends Error {}

function closingBrace(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i += 1) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  throw new InterpolationError(`unclosed \${ in ${JSON.stringify(text)}`);
}

/**
 * Compose's substitution: $$ is a literal $; ${NAME}, $NAME, ${NAME:-default}, ${NAME-default},
 * ${NAME:?error}, ${NAME?error}, ${NAME:+alternative}, ${NAME+alternative}.
 * Every name looked up is added to `used`.
 */
export function interpolate(text: string, vars: ReadonlyMap<string, string>, used: Set<string> = new Set()): string {
  const lookup = (body: string): string => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?|:\+|\+)([\s\S]*))?$/.exec(body);
    if (!match) throw new InterpolationError(`invalid substitution \${${body}}`);
    const name = match[1] as string;
    const operator = match[2];
    const argument = match[3] ?? '';
    used.add(name);
    const value = vars.get(name);
    const isSet = value !== undefined;
    const nonEmpty = isSet && value !== '';
    switch (operator) {
      case undefined:
        if (!isSet) throw new InterpolationError(`\${${name}} is used but not defined (and has no default)`);
        return value;
      case ':-':
        return nonEmpty ? value : interpolate(argument, vars, used);
      case '-':
        return isSet ? value : interpolate(argument, vars, used);
      case ':?':
        if (!nonEmpty) throw new InterpolationError(`\${${name}} is required: ${argument}`);
        return value;
      case '?':
        if (!isSet) throw new InterpolationError(`\${${name}} is required: ${argument}`);
        return value;
      case ':+':
        return nonEmpty ? interpolate(argument, vars, used) : '';
      default: // '+'
        return isSet ? interpolate(argument, vars, used) : '';
    }
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (char !== '$') {
      out += char;
      i += 1;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '{') {
      const end = closingBrace(text, i + 2);
      out += lookup(text.slice(i + 2, end));
      i = end + 1;
    } else {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))?.[0];
      if (!name) throw new InterpolationError(`a lone $ in ${JSON.stringify(text)} (write $$ for a literal $)`);
      out += lookup(name);
      i += 1 + name.length;
    }
  }
  return out;
}

/** Substitutes in every string value of a parsed YAML document (keys are left as they are, as compose does). */
export function interpolateDeep(value: unknown, vars: ReadonlyMap<string, string>, used: Set<string>): unknown {
  if (typeof value === 'string') return interpolate(value, vars, used);
  if (Array.isArray(value)) return value.map((item) => interpolateDeep(item, vars, used));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolateDeep(item, vars, used)]));
  }
  return value;
}

// ------------------------------------------------------------------------------------------ compose

export type EnvironmentValue = string | number | boolean | null;

export interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string; target?: string; args?: Record<string, EnvironmentValue> | string[] };
  command?: string | string[];
  environment?: Record<string, EnvironmentValue> | string[];
  ports?: Array<string | number | { target: number | string; published?: number | string; protocol?: string; host_ip?: string }>;
  volumes?: Array<string | { type?: string; source?: string; target: string; read_only?: boolean }>;
  healthcheck?: { test?: string | string[]; disable?: boolean; interval?: string; timeout?: string; retries?: number };
  depends_on?: string[] | Record<string, { condition?: string; required?: boolean }>;
  profiles?: string[];
  restart?: string;
  deploy?: { replicas?: number; resources?: { limits?: { memory?: string | number } } };
  mem_limit?: string | number;
  scale?: number;
}

export interface ComposeFile {
  name?: string;
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export interface LoadedCompose {
  /** docker-compose.yml after YAML merge keys and .env substitution. */
  compose: ComposeFile;
  /** docker-compose.yml as written (merge keys resolved, nothing substituted). */
  raw: ComposeFile;
  dotEnv: Map<string, string>;
  /** Every variable name the compose file substitutes. */
  usedVariables: Set<string>;
}

export function loadCompose(): LoadedCompose {
  const dotEnv = parseDotEnv(readRepoFile('.env'));
  const raw = parseYaml(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;
  const usedVariables = new Set<string>();
  const compose = interpolateDeep(raw, dotEnv, usedVariables) as ComposeFile;
  return { compose, raw, dotEnv, usedVariables };
}

/** Services that `docker compose up` starts: those without a profile. */
export function defaultServices(compose: ComposeFile): Array<[string, ComposeService]> {
  return Object.entries(compose.services).filter(([, service]) => (service.profiles ?? []).length === 0);
}

export function environmentOf(service: ComposeService): Record<string, string> {
  const environment = service.environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(
      environment.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, ''] : [entry.slice(0, at), entry.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

export function buildArgsOf(service: ComposeService): Record<string, string> {
  if (typeof service.build !== 'object' || service.build.args === undefined) return {};
  const args = service.build.args;
  if (Array.isArray(args)) return environmentOf({ environment: args });
  return environmentOf({ environment: args });
}

export interface PortMapping {
  /** The host address it is published on; undefined means every interface. */
  hostIp: string | undefined;
  published: number | undefined;
  target: number;
  protocol: string;
}

/** Short ("[ip:][published:]target[/protocol]", IPv4 host addresses) and long port syntax; no ranges. */
export function parsePort(
  entry: string | number | { target: number | string; published?: number | string; protocol?: string; host_ip?: string },
): PortMapping {
  if (typeof entry === 'object') {
    return {
      hostIp: entry.host_ip,
      target: Number(entry.target),
      published: entry.published === undefined ? undefined : Number(entry.published),
      protocol: entry.protocol ?? 'tcp',
    };
  }
  const [spec = '', protocol = 'tcp'] = String(entry).split('/');
  const parts = spec.split(':');
  const target = Number(parts.at(-1));
  const published = parts.length >= 2 ? Number(parts.at(-2)) : undefined;
  const hostIp = parts.length >= 3 ? parts.slice(0, -2).join(':') : undefined;
  if (!Number.isInteger(target) || (published !== undefined && !Number.isInteger(published)) || parts.length > 3) {
    throw new Error(`cannot read port mapping ${JSON.stringify(entry)}`);
  }
  return { hostIp, target, published, protocol };
}

/** Compose's memory sizes (go-units RAMInBytes): a number with an optional b, k, m, g (powers of 1024). */
export function parseMemory(value: string | number): number {
  if (typeof value === 'number') return value;
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(value.trim());
  if (!match) throw new Error(`cannot read memory size ${JSON.stringify(value)}`);
  const power = ['', 'k', 'm', 'g', 't', 'p'].indexOf((match[2] as string).toLowerCase());
  return Math.round(Number(match[1]) * 1024 ** power);
}

export function memoryLimitOf(service: ComposeService): number | undefined {
  const limit = service.deploy?.resources?.limits?.memory ?? service.mem_limit;
  return limit === undefined ? undefined : parseMemory(limit);
}

/** The healthcheck command as words (the "CMD"/"CMD-SHELL" marker removed). */
export function healthcheckWords(service: ComposeService): string[] {
  const test = service.healthcheck?.test;
  if (test === undefined) return [];
  if (typeof test === 'string') return ['CMD-SHELL', test];
  return test;
}

/** A reference "name[:tag][@digest]", registry host with port included. */
export function imageTag(image: string): { name: string; tag: string | undefined; digest: string | undefined } {
  const [withoutDigest = '', digest] = image.split('@');
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  if (colon > slash) return { name: withoutDigest.slice(0, colon), tag: withoutDigest.slice(colon + 1), digest };
  return { name: withoutDigest, tag: undefined, digest };
}

// ------------------------------------------------------------------------------------------- jaeger

/**
 * jaeger/config.yaml with its `${env:NAME:-default}` references resolved from `env` (else the default).
 * Returns the parsed document.
 */
export function loadJaegerConfig(env: Readonly<Record<string, string>>): Record<string, unknown> {
  const text = readRepoFile('jaeger/config.yaml').replace(
    /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_whole, name: string, fallback: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (fallback === undefined) throw new Error(`jaeger/config.yaml: \${env:${name}} has no default`);
      return fallback;
    },
  );
  return parseYaml(text) as Record<string, unknown>;
}

/** Follows a dotted path through a parsed YAML document. */
export function at(document: unknown, dotted: string): unknown {
  let node: unknown = document;
  for (const key of dotted.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function endpointOf(document: unknown, dotted: string): { host: string; port: number } {
  const value = at(document, dotted);
  if (typeof value !== 'string') throw new Error(`jaeger/config.yaml: no endpoint at ${dotted}`);
  const colon = value.lastIndexOf(':');
  return { host: value.slice(0, colon), port: Number(value.slice(colon + 1)) };
}

// --------------------------------------------------------------------------------------- Dockerfile

export interface Stage {
  name: string | undefined;
  from: From;
  /** The base image with the Dockerfile's global ARG defaults substituted. */
  baseImage: string;
  instructions: Instruction[];
}

export interface ParsedDockerfile {
  text: string;
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
}

export function parseDockerfile(text: string): ParsedDockerfile {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs = new Map<string, string | undefined>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    if (property) globalArgs.set(property.getName(), property.getValue() ?? undefined);
  }
  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      const image = from.getImage() ?? '';
      const baseImage = image.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => globalArgs.get(name) ?? whole);
      stages.push({ name: from.getBuildStage() ?? undefined, from, baseImage, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { text, globalArgs, stages };
}

export const loadDockerfile = (): ParsedDockerfile => parseDockerfile(readRepoFile('Dockerfile'));

export function stageNamed(dockerfile: ParsedDockerfile, name: string): Stage {
  const stage = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!stage) throw new Error(`the Dockerfile has no stage named ${name}`);
  return stage;
}

/** A stage followed down through the stages it is built FROM: [stage, its parent stage, ...]. */
export function stageChain(dockerfile: ParsedDockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (;;) {
    const parent = dockerfile.stages.find((candidate) => candidate.name !== undefined && candidate.name === chain.at(-1)?.baseImage);
    if (!parent || chain.includes(parent)) return chain;
    chain.push(parent);
  }
}

export const instructionsOf = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);

/** The words of a JSON-form CMD/ENTRYPOINT, or undefined for the shell form. */
export function jsonWords(instruction: Instruction): string[] | undefined {
  const strings = (instruction as JSONInstruction).getJSONStrings?.() ?? [];
  if (strings.length === 0) return undefined;
  return strings.map((argument) => argument.getJSONValue());
}

/** The ENV variables a stage sets, with those of the stages it builds on. */
export function envOfChain(chain: Stage[]): Map<string, string> {
  const env = new Map<string, string>();
  for (const stage of [...chain].reverse()) {
    for (const instruction of instructionsOf(stage, 'ENV')) {
      for (const property of (instruction as Env).getProperties()) env.set(property.getName(), property.getValue() ?? '');
    }
  }
  return env;
}

/** The last value set by an instruction along a stage chain (USER, WORKDIR, CMD...), nearest stage first. */
export function lastOfChain(chain: Stage[], keyword: string): Instruction | undefined {
  for (const stage of chain) {
    const found = instructionsOf(stage, keyword).at(-1);
    if (found) return found;
  }
  return undefined;
}

/** Shell words of a command line, enough for the pnpm lines compared between the Dockerfile and the script. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}
