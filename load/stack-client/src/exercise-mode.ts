/**
 * The services' exercise mode (shared/http's scenario routes): `PUT /scenarios/_exercise` with the
 * SCENARIO_TOKEN and `{"token", "decoys"}` hides the scenarios behind the exercise's own token and turns
 * the span labels off; `DELETE /scenarios/_exercise` ends it. Decoys are switched on their owning service.
 */
import { decoys as decoyCatalogue, type DecoyName } from '@tracecart/lab-catalogue';
import { CliError } from './cli-error';
import { serviceNames, type ServiceUrls } from './services';

async function call(url: URL, method: 'PUT' | 'DELETE', token: string, body?: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new CliError(
      `cannot reach ${url.origin} (${error instanceof Error ? error.message : String(error)}); is the stack up (./scripts/stack status)?`,
    );
  }
  if (!response.ok) throw new CliError(`${method} ${url.href} answered ${response.status}: ${await response.text().catch(() => '')}`);
}

/** Starts the exercise mode on every service: scenarios behind the exercise's `token`, labels off, the decoys on. */
export async function startExerciseMode(
  urls: ServiceUrls,
  scenarioToken: string,
  token: string,
  decoys: readonly DecoyName[],
): Promise<void> {
  await Promise.all(
    serviceNames.map((service) => {
      const owned = decoys.filter((name) => decoyCatalogue.find((decoy) => decoy.name === name)?.service === service);
      return call(new URL('/scenarios/_exercise', urls[service]), 'PUT', scenarioToken, { token, decoys: owned });
    }),
  );
}

/** Ends the exercise mode on every service (`token`: the exercise's, or the SCENARIO_TOKEN); every failure named. */
export async function endExerciseMode(urls: ServiceUrls, token: string): Promise<void> {
  const results = await Promise.allSettled(
    serviceNames.map((service) => call(new URL('/scenarios/_exercise', urls[service]), 'DELETE', token)),
  );
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : [],
  );
  if (failures.length > 0) throw new CliError(failures.join('\n'));
}
