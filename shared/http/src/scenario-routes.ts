/**
 * `GET /scenarios` shows this service's pathologies and whether each is on; `PUT /scenarios/:name`
 * with `{"enabled": true|false}` switches one at run time. Changing a switch needs
 * `Authorization: Bearer <SCENARIO_TOKEN>`.
 *
 * Hunt exercises (`pnpm lab start`) hide the answer: `PUT /scenarios/_exercise` with the SCENARIO_TOKEN
 * and `{"token": "<the exercise's own token>", "decoys": [...]}` starts the exercise mode. While it
 * runs, every scenario route (`GET /scenarios` included) takes the exercise's token only, spans carry no
 * `app.scenario.*` labels, and the decoys named (the ones this service owns) are on. `DELETE
 * /scenarios/_exercise` (the exercise's token, or the SCENARIO_TOKEN as the operator's way out) ends it.
 * Without an exercise every route behaves as it always did.
 *
 * With a `SwitchStore` (the service's shared state, @tracecart/postgres openSharedState) the exercise mode
 * is the service's, not the process's: every replica takes the same token and hides the same labels.
 */
import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { hideScenarioLabels, isDecoyName, isPathologyName, pathology, type DecoyName, type PathologyName } from '@tracecart/scenarios';
import { sameSecret } from './credentials';
import { HttpError, validationError } from './errors';

export interface ScenarioSwitch {
  // Properties, not methods: callers pass `enabled` around unbound.
  enabled: () => boolean;
  /** Applies the change; resolves once it is in effect. */
  set: (enabled: boolean) => Promise<void>;
}

export type ScenarioSwitches = Partial<Record<PathologyName, ScenarioSwitch>>;

/** Where a service keeps state shared by its replicas (the shape of @tracecart/postgres's SharedState). */
export interface SwitchStore {
  value(key: string): unknown;
  set(key: string, value: unknown): Promise<void>;
  onChange(listener: (key: string, value: unknown) => void): void;
}

/** The exercise mode as stored: its token and the decoys it switched on, or null when none runs. */
export type StoredExercise = { token: string; decoys: string[] } | null;
export const EXERCISE_KEY = 'exercise';

/** The store key of a pathology's switch. */
export function switchKey(name: PathologyName): string {
  return `scenario:${name}`;
}

/**
 * A switch whose value is the service's: `set` stores it (every replica applies it through `local`);
 * `change`, when given, does the work that must happen once for the service (missing-index's DDL)
 * before the value is stored. The stored value is applied at once.
 */
export function sharedSwitch(
  store: SwitchStore,
  name: PathologyName,
  local: ScenarioSwitch,
  change?: (enabled: boolean) => Promise<void>,
): ScenarioSwitch {
  const key = switchKey(name);
  const stored = store.value(key);
  if (typeof stored === 'boolean' && stored !== local.enabled()) void local.set(stored);
  store.onChange((changed, value) => {
    if (changed === key && typeof value === 'boolean') void local.set(value);
  });
  return {
    enabled: local.enabled,
    async set(enabled) {
      await change?.(enabled);
      await store.set(key, enabled);
      await local.set(enabled);
    },
  };
}

/** Process memory as the store: one replica, the exercise lives and dies with the process. */
function memoryStore(): SwitchStore {
  const values = new Map<string, unknown>();
  return { value: (key) => values.get(key), set: async (key, value) => void values.set(key, value), onChange: () => undefined };
}
export type DecoySwitches = Partial<Record<DecoyName, ScenarioSwitch>>;

function bearer(request: Request): string {
  const header = request.get('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
}

/** Throws 401 without a token, 403 when the token is none of those accepted. */
function checkToken(request: Request, accepted: readonly string[], missing: string): void {
  const given = bearer(request);
  if (!given) throw new HttpError(401, 'unauthorized', missing);
  if (!accepted.some((token) => sameSecret(given, token))) throw new HttpError(403, 'forbidden', 'wrong scenario token');
}

export function requireToken(token: string): RequestHandler {
  return (request, _response, next) => {
    checkToken(request, [token], 'scenario switches need Authorization: Bearer <SCENARIO_TOKEN>');
    next();
  };
}

const switchBody = z.object({ enabled: z.boolean() }).strict();
const exerciseBody = z
  .object({
    token: z
      .string()
      .min(16)
      .max(200)
      .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
    decoys: z.array(z.string()).max(10).default([]),
  })
  .strict();

function describe(switches: ScenarioSwitches) {
  return Object.entries(switches).map(([name, control]) => {
    const { service, title, fix } = pathology(name as PathologyName);
    return { name, service, title, enabled: control.enabled(), fix };
  });
}

const hiddenMessage = 'a hunt exercise is running: the scenarios need Authorization: Bearer <the exercise token> (pnpm lab reveal ends it)';

export function scenarioRoutes(
  switches: ScenarioSwitches,
  token: string,
  decoys: DecoySwitches = {},
  store: SwitchStore = memoryStore(),
): Router {
  const router = Router();
  /** The running exercise, as stored. */
  const exercise = () => (store.value(EXERCISE_KEY) as StoredExercise | undefined) ?? null;
  /** The running exercise's token, or null. */
  const currentToken = () => exercise()?.token ?? null;

  const exerciseState = () => ({
    running: currentToken() !== null,
    decoys: Object.entries(decoys).map(([name, control]) => ({ name, enabled: control.enabled() })),
  });
  const setDecoys = async (on: readonly string[]) => {
    await Promise.all(Object.entries(decoys).map(([name, control]) => control.set(on.includes(name))));
  };
  /** Applies the stored exercise mode to this process: its labels and its decoys. */
  const applyExercise = async (stored: StoredExercise) => {
    hideScenarioLabels(stored !== null);
    await setDecoys(stored?.decoys ?? []);
  };
  const storeExercise = async (stored: StoredExercise) => {
    await store.set(EXERCISE_KEY, stored);
    await applyExercise(stored);
  };
  void applyExercise(exercise());
  store.onChange((key, value) => {
    if (key === EXERCISE_KEY) void applyExercise((value as StoredExercise | undefined) ?? null);
  });
  /** The token that opens the switches now. */
  const switchToken = () => currentToken() ?? token;

  router.get('/scenarios', (request, response) => {
    const exerciseToken = currentToken();
    if (exerciseToken !== null) checkToken(request, [exerciseToken], hiddenMessage);
    response.json(describe(switches));
  });

  router.get('/scenarios/_exercise', (request, response) => {
    checkToken(request, [switchToken()], 'the exercise mode needs Authorization: Bearer <token>');
    response.json(exerciseState());
  });

  router.put('/scenarios/_exercise', async (request, response) => {
    const exerciseToken = currentToken();
    checkToken(
      request,
      exerciseToken === null ? [token] : [exerciseToken, token],
      'starting an exercise needs Authorization: Bearer <SCENARIO_TOKEN>',
    );
    const body = exerciseBody.safeParse(request.body);
    if (!body.success) throw validationError(body.error);
    if (exerciseToken !== null && !sameSecret(body.data.token, exerciseToken)) {
      throw new HttpError(
        409,
        'exercise_running',
        'another exercise is running; end it first (pnpm lab reveal, or DELETE /scenarios/_exercise)',
      );
    }
    const unknown = body.data.decoys.filter((name) => !isDecoyName(name) || !decoys[name]);
    if (unknown.length > 0) throw new HttpError(404, 'unknown_decoy', `no decoy ${unknown.join(', ')} in this service`);
    await storeExercise({ token: body.data.token, decoys: body.data.decoys });
    response.json(exerciseState());
  });

  router.delete('/scenarios/_exercise', async (request, response) => {
    const exerciseToken = currentToken();
    checkToken(
      request,
      exerciseToken === null ? [token] : [exerciseToken, token],
      'ending an exercise needs Authorization: Bearer <token>',
    );
    await storeExercise(null);
    response.json(exerciseState());
  });

  router.put('/scenarios/:name', async (request, response) => {
    const exerciseToken = currentToken();
    checkToken(
      request,
      [switchToken()],
      exerciseToken === null ? 'scenario switches need Authorization: Bearer <SCENARIO_TOKEN>' : hiddenMessage,
    );
    const name = String(request.params.name);
    const control = isPathologyName(name) ? switches[name] : undefined;
    if (!control) throw new HttpError(404, 'unknown_scenario', `no scenario ${name} in this service`);
    const body = switchBody.safeParse(request.body);
    if (!body.success) throw validationError(body.error);
    await control.set(body.data.enabled);
    response.json(describe(switches).find((entry) => entry.name === name));
  });
  return router;
}

/** An in-memory switch for pathologies that are pure code paths. */
export function flagSwitch(initial: boolean, onChange?: (enabled: boolean) => void): ScenarioSwitch {
  let value = initial;
  onChange?.(value);
  return {
    enabled: () => value,
    set: async (enabled) => {
      value = enabled;
      onChange?.(enabled);
    },
  };
}
