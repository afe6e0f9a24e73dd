/**
 * The console's JSON API (all under /api; the page is its only intended caller):
 *   GET  /api/status                 {"order","jaeger": "up"|"down"}
 *   GET  /api/scenarios              every pathology: switch state, title, what it looks like in Jaeger, fix
 *   PUT  /api/scenarios/:name        {"enabled": bool, "token": string}: switches it on its service
 *   POST /api/runs                   {"ratePerSec", "durationSec"}: starts a load run (409 while one runs)
 *   POST /api/runs/stop              stops the run in progress
 *   GET  /api/runs/latest?after=N    the run in progress (or the last one), points after the N-th
 *   GET  /api/runs                   the kept runs, oldest first, without their points
 *   GET  /api/compare                the last two finished runs and the report's before/after of them
 * PUT and POST are refused (403) unless they come from the console's own page (same-origin.ts).
 * While a hunt exercise runs, the switches and the pathologies the runs' verdicts name are shown only to a
 * request carrying the exercise's token as `Authorization: Bearer` (exercise-gate.ts).
 */
import express, { Router, type ErrorRequestHandler, type Request, type Response } from 'express';
import { z } from 'zod';
import { compareAnalyses } from '@tracecart/report';
import { pathologies, isPathologyName } from '@tracecart/lab-catalogue';
import { CliError, readStates, switchScenario, type ServiceUrls } from '@tracecart/stack-client';
import type { RunRecord } from './run-record';
import { LIMITS, type Runner } from './runner';
import type { RunStore } from './run-store';
import { stackStatus } from './status';
import { exerciseLocked, gateStates, hideComparison, hideRun, requestToken } from './exercise-gate';

export interface ApiSettings {
  urls: ServiceUrls;
  jaegerQueryUrl: string;
}

const switchBody = z.object({ enabled: z.boolean(), token: z.string().min(1).max(512) });
const runBody = z.object({
  ratePerSec: z.number().positive().max(LIMITS.maxRatePerSec),
  durationSec: z.number().positive().max(LIMITS.maxDurationSec),
});

function invalid(response: Response, error: z.ZodError): void {
  const issue = error.issues[0]!;
  response.status(400).json({ error: 'invalid_body', message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
}

/** A run without its per-second points (lists, Compare). */
function withoutPoints({ points: _points, ...run }: RunRecord): Omit<RunRecord, 'points'> {
  return run;
}

export function apiRoutes(settings: ApiSettings, runner: Runner, store: RunStore): Router {
  const router = Router();
  router.use(express.json({ limit: '4kb', strict: true }));

  router.get('/api/status', async (_request, response) => {
    response.json(await stackStatus(settings.urls.order, settings.jaegerQueryUrl));
  });

  /** Whether this request may see which pathologies are on (false only during an exercise, without its token). */
  const mayShow = async (request: Request): Promise<boolean> =>
    !exerciseLocked(await readStates(settings.urls, 3_000, requestToken(request)));

  router.get('/api/scenarios', async (request, response) => {
    const states = gateStates(await readStates(settings.urls, 3_000, requestToken(request)));
    response.json(
      states.map((state) => {
        const entry = pathologies.find((candidate) => candidate.name === state.name)!;
        return { ...state, cause: entry.cause, inJaeger: entry.inJaeger, fix: entry.fix };
      }),
    );
  });

  router.put('/api/scenarios/:name', async (request: Request<{ name: string }>, response) => {
    const name = request.params.name;
    if (!isPathologyName(name)) {
      response.status(404).json({ error: 'unknown_scenario', message: `no pathology "${name}"` });
      return;
    }
    const body = switchBody.safeParse(request.body);
    if (!body.success) return invalid(response, body.error);
    try {
      await switchScenario(settings.urls, body.data.token, name, body.data.enabled, 60_000);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (error instanceof CliError && /refused to switch/.test(message)) {
        response.status(401).json({ error: 'wrong_token', message: 'wrong scenario token: nothing was switched' });
      } else {
        response.status(502).json({ error: 'switch_failed', message });
      }
      return;
    }
    const state = gateStates(await readStates(settings.urls, 3_000, body.data.token)).find((candidate) => candidate.name === name);
    response.json(state);
  });

  router.post('/api/runs', (request, response) => {
    const body = runBody.safeParse(request.body);
    if (!body.success) return invalid(response, body.error);
    if (runner.busy()) {
      response.status(409).json({ error: 'run_in_progress', message: 'a load run is in progress: stop it first' });
      return;
    }
    try {
      const run = runner.start(body.data.ratePerSec, body.data.durationSec);
      response.status(202).json(withoutPoints(run));
    } catch (error) {
      response.status(400).json({ error: 'invalid_run', message: error instanceof Error ? error.message : String(error) });
    }
  });

  router.post('/api/runs/stop', (_request, response) => {
    response.json({ stopped: runner.stop() });
  });

  router.get('/api/runs/latest', async (request, response) => {
    const run = runner.latest();
    if (!run) {
      response.json({ run: null, running: false });
      return;
    }
    const after = Math.max(0, Number.parseInt(typeof request.query.after === 'string' ? request.query.after : '0', 10) || 0);
    const shown = { ...withoutPoints(run), points: run.points.slice(after), pointsFrom: after, pointCount: run.points.length };
    response.json({ run: (await mayShow(request)) ? shown : hideRun(shown), running: runner.busy() });
  });

  router.get('/api/runs', async (request, response) => {
    const show = await mayShow(request);
    response.json(store.list().map((run) => (show ? withoutPoints(run) : hideRun(withoutPoints(run)))));
  });

  router.get('/api/compare', async (request, response) => {
    const finished = store.list().filter((run) => run.analysis && run.analysis.traces.analysed > 0);
    const [before, after] = finished.slice(-2);
    if (!before || !after) {
      response.status(404).json({
        error: 'not_enough_runs',
        message: 'Compare needs two finished runs with a verdict: run the load twice (e.g. before and after a fix).',
      });
      return;
    }
    const answer = {
      before: withoutPoints(before),
      after: withoutPoints(after),
      comparison: compareAnalyses(before.analysis!, after.analysis!),
    };
    response.json(
      (await mayShow(request))
        ? answer
        : { before: hideRun(answer.before), after: hideRun(answer.after), comparison: hideComparison(answer.comparison) },
    );
  });

  router.use('/api', (_request, response) => {
    response.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  return router;
}

export const jsonErrors: ErrorRequestHandler = (error: { status?: number; type?: string; message?: string }, _request, response, _next) => {
  const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
  response.status(status).json({
    error: status === 500 ? 'internal_error' : (error.type ?? 'bad_request'),
    message: status === 500 ? 'internal error' : (error.message ?? 'bad request'),
  });
};
