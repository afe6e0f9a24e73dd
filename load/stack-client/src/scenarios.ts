/**
 * The running services' pathology switches: `GET /scenarios` on each service lists its own, `PUT
 * /scenarios/:name` with `{"enabled": bool}` and `Authorization: Bearer <SCENARIO_TOKEN>` switches one.
 * Which service owns which pathology comes from the catalogue.
 */
import { fixCommand, isPathologyName, pathologies, pathologyNames, type OwningService, type PathologyName } from '@tracecart/lab-catalogue';
import { CliError } from './cli-error';
import type { ServiceUrls } from './services';

export interface ScenarioState {
  name: PathologyName;
  service: OwningService;
  title: string;
  fixCommand: string;
  /** null when the owning service could not be asked. */
  enabled: boolean | null;
  /** Why `enabled` is null. */
  problem: string | undefined;
}

export function resolveName(name: string): PathologyName {
  if (!isPathologyName(name)) throw new CliError(`unknown scenario "${name}"; the scenarios are: ${pathologyNames.join(', ')}`, 2);
  return name;
}

function unreachable(service: OwningService, url: string, error: unknown): string {
  const cause =
    error instanceof Error && error.cause instanceof Error ? error.cause.message : error instanceof Error ? error.message : String(error);
  return `cannot reach ${service}-service at ${url} (${cause}); is the stack up (./scripts/stack status)?`;
}

async function errorText(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { message?: string; error?: string };
    return body.message ?? body.error ?? text;
  } catch {
    return text;
  }
}

/**
 * Every pathology of the catalogue with its owning service's current answer. `token`: sent as a bearer
 * token (only needed while a hunt exercise runs: then the exercise's token).
 */
export async function readStates(urls: ServiceUrls, timeoutMs = 5_000, token?: string): Promise<ScenarioState[]> {
  const services = [...new Set(pathologies.map((entry) => entry.service))];
  const answers = new Map<OwningService, { enabled: Map<string, boolean> } | { problem: string }>();
  await Promise.all(
    services.map(async (service) => {
      try {
        const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
        const response = await fetch(new URL('/scenarios', urls[service]), { headers, signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) {
          answers.set(service, { problem: `${service}-service answered ${response.status}: ${await errorText(response)}` });
          return;
        }
        const body = (await response.json()) as Array<{ name: string; enabled: boolean }>;
        answers.set(service, { enabled: new Map(body.map((entry) => [entry.name, entry.enabled])) });
      } catch (error) {
        answers.set(service, { problem: unreachable(service, urls[service], error) });
      }
    }),
  );
  return pathologies.map((entry) => {
    const answer = answers.get(entry.service)!;
    const known = 'enabled' in answer ? answer.enabled.get(entry.name) : undefined;
    const problem =
      'problem' in answer ? answer.problem : known === undefined ? `${entry.service}-service does not list ${entry.name}` : undefined;
    return {
      name: entry.name,
      service: entry.service,
      title: entry.title,
      fixCommand: fixCommand(entry.name),
      enabled: known ?? null,
      problem,
    };
  });
}

/** Switches one pathology on its owning service; resolves once the service has applied it. */
export async function switchScenario(
  urls: ServiceUrls,
  token: string,
  name: PathologyName,
  enabled: boolean,
  timeoutMs = 120_000,
): Promise<void> {
  const { service } = pathologies.find((entry) => entry.name === name)!;
  const url = new URL(`/scenarios/${name}`, urls[service]);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ enabled }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new CliError(unreachable(service, urls[service], error));
  }
  if (response.status === 401 || response.status === 403) {
    throw new CliError(
      `${service}-service refused to switch ${name} (${response.status}: ${await errorText(response)}); ` +
        'set SCENARIO_TOKEN to the token the services were started with',
    );
  }
  if (!response.ok) throw new CliError(`${service}-service could not switch ${name} (${response.status}: ${await errorText(response)})`);
}

/** Switches several at once (different services work in parallel); fails with every failure named. */
export async function switchScenarios(urls: ServiceUrls, token: string, names: readonly PathologyName[], enabled: boolean): Promise<void> {
  const results = await Promise.allSettled(names.map((name) => switchScenario(urls, token, name, enabled)));
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : [],
  );
  if (failures.length > 0) throw new CliError(failures.join('\n'));
}

/** Switches every pathology of the catalogue on or off. */
export function setAllScenarios(urls: ServiceUrls, token: string, enabled: boolean): Promise<void> {
  return switchScenarios(urls, token, pathologyNames, enabled);
}
