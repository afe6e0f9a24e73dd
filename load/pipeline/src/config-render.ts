/**
 * Renders the pipeline's Jaeger configuration files (jaeger/pipeline/*.yaml) as Jaeger reads them: every
 * `${env:NAME}` / `${env:NAME:-default}` replaced from an environment (the OpenTelemetry Collector's env
 * provider syntax), then parsed; several files given as repeated --config are merged as the collector
 * merges them (maps deeply, a list replaced whole). Used to check that the local stack and the Kubernetes
 * chart, which read the same bytes with different environments, differ only in addresses, ports and paths.
 */
import { parse } from 'yaml';

const reference = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Env = Readonly<Record<string, string | undefined>>;

/** The names of the environment variables a configuration text reads, each once, in order of first use. */
export function referencedVariables(text: string): string[] {
  return [...new Set([...text.matchAll(reference)].map((match) => match[1] as string))];
}

/** The variables a text reads with no default: each must be set by whoever runs the file. */
export function requiredVariables(text: string): string[] {
  return [...new Set([...text.matchAll(reference)].filter((match) => match[2] === undefined).map((match) => match[1] as string))];
}

/** The text with each reference replaced: the variable's value, else its default, else nothing. */
export function expandEnv(text: string, env: Env): string {
  return text.replace(reference, (_whole, name: string, fallback: string | undefined) => env[name] ?? fallback ?? '');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `later` merged over `earlier` as the collector merges its --config files. */
export function mergeConfigs(earlier: unknown, later: unknown): unknown {
  if (!isPlainObject(earlier) || !isPlainObject(later)) return later;
  const merged: Record<string, unknown> = { ...earlier };
  for (const [key, value] of Object.entries(later)) merged[key] = key in earlier ? mergeConfigs(earlier[key], value) : value;
  return merged;
}

/** Several configuration texts, expanded with `env`, parsed and merged in order. */
export function renderConfig(texts: readonly string[], env: Env): unknown {
  return texts.map((text) => parse(expandEnv(text, env)) as unknown).reduce((merged, next) => mergeConfigs(merged, next));
}

export interface Difference {
  path: string;
  left: unknown;
  right: unknown;
}

/** Every leaf where two rendered configurations differ (a key present in one only counts as a difference). */
export function differences(left: unknown, right: unknown, path = ''): Difference[] {
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
    return keys.flatMap((key) => differences(left[key], right[key], path ? `${path}.${key}` : key));
  }
  if (Array.isArray(left) && Array.isArray(right) && left.length === right.length) {
    return left.flatMap((item, index) => differences(item, right[index], `${path}[${index}]`));
  }
  return Object.is(left, right) ? [] : [{ path, left, right }];
}

const host = String.raw`(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9a-fA-F:]+\])`;
const port = String.raw`(?:[1-9][0-9]{0,4})`;
const hostPort = new RegExp(`^${host}(?::${port})?$`);
const url = new RegExp(`^https?://${host}(?::${port})?/?$`);

/** A network address as a configuration names it: a port, a host, host:port, a list of them, or a base URL. */
export function isAddress(value: unknown): boolean {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 && value < 65_536;
  if (Array.isArray(value)) return value.length > 0 && value.every(isAddress);
  if (typeof value !== 'string') return false;
  return value.split(',').every((part) => hostPort.test(part.trim()) || url.test(part.trim()));
}

/** A file's location (the UI's settings, its assets, the sampling strategies): absolute, or empty for none. */
export function isFileLocation(value: unknown): boolean {
  return value === '' || value === null || (typeof value === 'string' && value.startsWith('/'));
}

const addressKeys = new Set(['endpoint', 'brokers', 'servers', 'port']);
const fileKeys = new Set(['config_file', 'assets_path', 'path']);

/**
 * The differences that are NOT an address, a port or a file location (both sides of the right shape under
 * a key that names one): what must be empty for two environments to run the same pipeline.
 */
export function differencesBeyondAddresses(left: unknown, right: unknown): Difference[] {
  return differences(left, right).filter((difference) => {
    const key =
      difference.path
        .replace(/\[\d+\]$/, '')
        .split('.')
        .pop() ?? '';
    if (addressKeys.has(key)) return !(isAddress(difference.left) && isAddress(difference.right));
    if (fileKeys.has(key)) return !(isFileLocation(difference.left) && isFileLocation(difference.right));
    return true;
  });
}
