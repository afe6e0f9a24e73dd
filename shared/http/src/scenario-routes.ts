/**
 * `GET /scenarios` shows this service's pathologies and whether each is on; `PUT /scenarios/:name`
 * with `{"enabled": true|false}` switches one at run time. Changing a switch needs
 * `Authorization: Bearer <SCENARIO_TOKEN>`.
 */
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { isPathologyName, pathology, type PathologyName } from '@tracecart/scenarios';
import { sameSecret } from './credentials';
import { HttpError, validationError } from './errors';

export interface ScenarioSwitch {
  enabled(): boolean;
  /** Applies the change; resolves once it is in effect. */
  set(enabled: boolean): Promise<void>;
}

export type ScenarioSwitches = Partial<Record<PathologyName, ScenarioSwitch>>;

export function requireToken(token: string): RequestHandler {
  return (request, _response, next) => {
    const header = request.get('authorization') ?? '';
    const given = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!given) return next(new HttpError(401, 'unauthorized', 'scenario switches need Authorization: Bearer <SCENARIO_TOKEN>'));
    if (!sameSecret(given, token)) return next(new HttpError(403, 'forbidden', 'wrong scenario token'));
    next();
  };
}

const switchBody = z.object({ enabled: z.boolean() }).strict();

function describe(switches: ScenarioSwitches) {
  return Object.entries(switches).map(([name, control]) => {
    const { service, title, fix } = pathology(name as PathologyName);
    return { name, service, title, enabled: control.enabled(), fix };
  });
}

export function scenarioRoutes(switches: ScenarioSwitches, token: string): Router {
  const router = Router();
  router.get('/scenarios', (_request, response) => {
    response.json(describe(switches));
  });
  router.put('/scenarios/:name', requireToken(token), async (request, response) => {
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
