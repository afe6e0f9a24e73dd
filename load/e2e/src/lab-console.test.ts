/**
 * The lab console (load/console) in a real browser (Debian's chromium via playwright-core) against the
 * running stack: a switch flipped on the page changes the owning service's GET /scenarios (a wrong token
 * changes nothing); a 10 s load run draws its chart and ends with the report's verdict; Compare shows the
 * last two runs; during a hunt exercise neither the switches nor the verdicts' diagnosis show without the
 * exercise's token; a POST from another origin is refused; the page says when order is down; keyboard and
 * 375 px. Durations are printed, not asserted.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { endExerciseMode, readStates, startExerciseMode } from '@tracecart/stack-client';
import { launchBrowser, type Browser } from './browser';
import { stack } from './faults';
import { config, getJson, serviceUrl, setScenario } from './stack';

const lab = config.LAB_URL;

function log(message: string): void {
  process.stdout.write(`# ${message}\n`);
}

async function missingIndexOn(): Promise<boolean> {
  const answer = await getJson<Array<{ name: string; enabled: boolean }>>(`${serviceUrl.payment}/scenarios`);
  const entry = answer.body.find((scenario) => scenario.name === 'missing-index');
  assert.ok(entry, 'payment lists missing-index');
  return entry.enabled;
}

async function openLab(browser: Browser): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(lab, { waitUntil: 'load' });
  await page.getByRole('switch', { name: /missing-index/ }).waitFor();
  return page;
}

/** Starts a run from the page and waits for its verdict; returns how long it took. */
async function runFromPage(page: Page, rate: number, seconds: number): Promise<number> {
  const started = Date.now();
  await page.getByLabel('Rate (checkouts/s)').fill(String(rate));
  await page.getByLabel('Duration (s)').fill(String(seconds));
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('#total-phase', { hasText: /sending|draining|shipping|analysing/ }).waitFor({ timeout: 30_000 });
  await page.locator('#run-message', { hasText: /^(Run finished\.|Run failed)/ }).waitFor({ timeout: 180_000 });
  return Date.now() - started;
}

describe('the lab console in a browser', () => {
  let browser: Browser;
  let wasOn: boolean;

  before(async () => {
    wasOn = await missingIndexOn();
    browser = await launchBrowser();
  });
  // A test that fails half-way must not leave its switch for the next ones to trip over.
  afterEach(async () => {
    if ((await missingIndexOn()) !== wasOn) await setScenario('missing-index', wasOn);
  });
  after(async () => {
    await setScenario('missing-index', wasOn);
    await browser?.close();
  });

  it('switching a pathology from the page changes GET /scenarios; a wrong token says so and changes nothing', async () => {
    const started = Date.now();
    const page = await openLab(browser);
    const toggle = page.getByRole('switch', { name: /missing-index/ });
    await page.getByRole('switch', { name: /missing-index/, checked: wasOn }).waitFor({ timeout: 10_000 });
    assert.match((await page.locator('[data-scenario="missing-index"] details').textContent()) ?? '', /payment\.fraud_check/);

    await toggle.click();
    await page.getByLabel('Scenario token').fill('not-the-token');
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#switch-message', { hasText: 'Wrong scenario token: nothing was switched' }).waitFor();
    assert.equal(await missingIndexOn(), wasOn, 'a wrong token changed nothing');

    await page.getByLabel('Scenario token').fill(config.SCENARIO_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#switch-message', { hasText: `missing-index is ${wasOn ? 'off' : 'on'}` }).waitFor({ timeout: 120_000 });
    assert.equal(await missingIndexOn(), !wasOn, 'payment answers the new state');
    // The message and the switch are two renders of one answer: wait for the switch, do not race it.
    await page.getByRole('switch', { name: /missing-index/, checked: !wasOn }).waitFor({ timeout: 10_000 });

    // The token was asked once: switching back needs no second entry.
    await page.getByRole('switch', { name: /missing-index/ }).click();
    await page.locator('#switch-message', { hasText: `missing-index is ${wasOn ? 'on' : 'off'}` }).waitFor({ timeout: 120_000 });
    assert.equal(await missingIndexOn(), wasOn);
    assert.equal(await page.locator('#token-form').isHidden(), true);
    log(`switch from the page (wrong token, on/off, back): ${Date.now() - started} ms`);
    await page.close();
  });

  it('a 10 s load run draws a chart with points and shows a verdict', async () => {
    const page = await openLab(browser);
    const took = await runFromPage(page, 20, 10);
    assert.match((await page.locator('#run-message').textContent()) ?? '', /Run finished/);
    const points = Number(await page.locator('#chart-figure').getAttribute('data-points'));
    assert.ok(points >= 5, `the chart has ${points} points`);
    assert.equal(await page.locator('#points tr').count(), points);
    // uPlot drew on its canvas: pixels that are not transparent.
    const inked = await page.evaluate<number>(`(() => {
      const canvas = document.querySelector('#chart canvas');
      if (!canvas) return -1;
      const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
      return count;
    })()`);
    assert.ok(inked > 100, `the chart's canvas has ${inked} drawn pixels`);

    await page.locator('#verdict-body').waitFor();
    const culprit = (await page.locator('#culprit').textContent()) ?? '';
    assert.match(culprit, /\S+ · .+% of the path at p50/, `culprit: ${culprit}`);
    const bars = await page.locator('#critical-path li').count();
    assert.ok(bars >= 1 && bars <= 5, `${bars} critical-path bars`);
    const anchors = await page.locator('#slowest a').all();
    const links = await Promise.all(anchors.map(async (anchor) => (await anchor.getAttribute('href')) ?? ''));
    assert.ok(links.length > 0, 'the slowest traces are listed');
    for (const href of links) assert.match(href, new RegExp(`^${config.JAEGER_UI_URL}/trace/[0-9a-f]{32}$`));
    log(`10 s load run at 20/s from the page: verdict after ${took} ms, ${points} points; culprit ${culprit}`);
    await page.close();
  });

  it('Compare shows the last two runs side by side from the reports the lab kept', async () => {
    const page = await openLab(browser);
    const took = await runFromPage(page, 10, 5);
    await page.getByRole('button', { name: 'Compare the last two runs' }).click();
    await page.locator('#compare-body [data-side="before"]').waitFor();
    // After is the 10/s run just made, before the 20/s run of the previous test.
    assert.match((await page.locator('#compare-body [data-side="after"]').textContent()) ?? '', /rate10\/s/);
    assert.match((await page.locator('#compare-body [data-side="before"]').textContent()) ?? '', /rate20\/s/);
    assert.ok((await page.locator('#compare-body tbody tr').count()) > 0, 'operations before and after');
    const runs = await getJson<Array<{ id: string }>>(`${lab}/api/runs`);
    assert.ok(runs.body.length >= 2, 'the lab keeps both runs');
    log(`second run (5 s) and Compare: ${took} ms`);
    await page.close();
  });

  it("during a hunt exercise shows neither the switches nor the verdicts' diagnosis without the exercise token", async () => {
    const exerciseToken = `console-test-${randomBytes(12).toString('hex')}`;
    const actual = await readStates(serviceUrl, 5_000);
    const scenarios = (token?: string) =>
      fetch(`${lab}/api/scenarios`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Array<{ name: string; enabled: boolean | null; exercise: boolean; problem?: string }>,
      }));
    const runs = (token?: string) =>
      fetch(`${lab}/api/runs`, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then(
        async (response) =>
          (await response.json()) as Array<{
            scenarios: Array<{ enabled: boolean | null }>;
            analysis: { pathologies: string[]; findings: unknown[]; culprit: unknown } | null;
            hidden?: boolean;
          }>,
      );
    // Outside an exercise the console shows the switches, and the runs of the earlier tests what was on.
    const open = await scenarios();
    assert.deepEqual(
      open.body.map((entry) => entry.enabled),
      actual.map((state) => state.enabled),
    );
    assert.ok(open.body.every((entry) => entry.exercise === false));
    const runsBefore = await runs();
    assert.ok(
      runsBefore.length >= 2 && runsBefore.some((run) => run.scenarios.some((entry) => entry.enabled !== null)),
      'the kept runs recorded their switches',
    );
    assert.ok(runsBefore.every((run) => run.hidden === undefined));

    await startExerciseMode(serviceUrl, config.SCENARIO_TOKEN, exerciseToken, []);
    try {
      for (const token of [undefined, config.SCENARIO_TOKEN, 'not-the-exercise-token']) {
        const hidden = await scenarios(token);
        assert.equal(hidden.status, 200);
        assert.equal(hidden.body.length, actual.length);
        for (const entry of hidden.body) {
          assert.equal(entry.enabled, null, `${entry.name} hidden (token ${token ?? 'none'})`);
          assert.equal(entry.exercise, true);
          assert.match(entry.problem ?? '', /hunt exercise is running/);
        }
        for (const run of await runs(token)) {
          assert.equal(run.hidden, true);
          assert.ok(
            run.scenarios.every((entry) => entry.enabled === null),
            'no recorded switch shown',
          );
          if (run.analysis) {
            assert.deepEqual(run.analysis.pathologies, []);
            assert.deepEqual(run.analysis.findings, []);
            assert.equal(run.analysis.culprit, null);
          }
        }
        const latest = (
          await getJson<{ run: { hidden?: boolean; analysis: { pathologies: string[] } | null } | null }>(`${lab}/api/runs/latest`)
        ).body.run;
        assert.equal(latest?.hidden, true);
        const compare = await fetch(`${lab}/api/compare`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        const comparison = (await compare.json()) as {
          comparison?: { pathologies: { before: string[]; after: string[] }; culprit: { before: string | null; after: string | null } };
        };
        assert.deepEqual(comparison.comparison?.pathologies, { before: [], after: [] });
        assert.deepEqual(comparison.comparison?.culprit, { before: null, after: null });
      }
      // With the exercise's token: the switches as the services hold them.
      const shown = await scenarios(exerciseToken);
      assert.deepEqual(
        shown.body.map((entry) => entry.enabled),
        actual.map((state) => state.enabled),
      );
      assert.ok((await runs(exerciseToken)).every((run) => run.hidden === undefined));

      // The page: the switches unknown, the reason said, the token asked; with the exercise's token, shown.
      const page = await browser.context.newPage();
      await page.goto(lab, { waitUntil: 'load' });
      await page.locator('#switch-message', { hasText: 'A hunt exercise is running' }).waitFor();
      assert.equal(await page.getByRole('switch', { name: /missing-index/ }).textContent(), '?');
      assert.equal(await page.getByRole('switch', { name: /missing-index/ }).isDisabled(), true);
      // The last run's verdict is hidden too.
      await page.locator('#culprit', { hasText: 'Hidden while a hunt exercise runs' }).waitFor();
      assert.equal(await page.locator('#apply-fix').isHidden(), true);
      await page.getByLabel('Scenario token').fill(exerciseToken);
      await page.getByRole('button', { name: 'Use token' }).click();
      await page.locator('#switch-message', { hasText: 'Token accepted' }).waitFor();
      const missingIndex = actual.find((state) => state.name === 'missing-index')!.enabled;
      assert.equal(await page.getByRole('switch', { name: /missing-index/ }).getAttribute('aria-checked'), String(missingIndex));
      await page.locator('#culprit', { hasText: /% of the path at p50/ }).waitFor();
      await page.close();
    } finally {
      await endExerciseMode(serviceUrl, config.SCENARIO_TOKEN);
    }
    assert.equal(
      (await scenarios()).body.every((entry) => entry.exercise === false && entry.enabled !== null),
      true,
      'shown again once the exercise ended',
    );
  });

  it('refuses state-changing requests from another origin', async () => {
    const before = await getJson<{ run: { id: string } | null }>(`${lab}/api/runs/latest`);
    const forged = await fetch(`${lab}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
      body: JSON.stringify({ ratePerSec: 5, durationSec: 1 }),
    });
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { error: string }).error, 'cross_origin');
    const switched = await fetch(`${lab}/api/scenarios/missing-index`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      body: JSON.stringify({ enabled: !wasOn, token: config.SCENARIO_TOKEN }),
    });
    assert.equal(switched.status, 403);
    assert.equal(await missingIndexOn(), wasOn);

    // A real page of another origin (the shop) posting to the lab: the browser sends its Origin, the lab refuses.
    const page = await browser.context.newPage();
    await page.goto(config.STOREFRONT_URL, { waitUntil: 'load' });
    const status = await page.evaluate<number, string>(
      (url) =>
        fetch(`${url}/api/runs`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: '{"ratePerSec":5,"durationSec":1}',
        }).then(
          (response) => response.status,
          () => -1,
        ),
      lab,
    );
    // The lab sends no CORS headers, so the page cannot even read the answer (-1); either way no run started.
    assert.ok(status === 403 || status === -1, `cross-origin POST from a page answered ${status}`);
    const latest = await getJson<{ run: { id: string } | null }>(`${lab}/api/runs/latest`);
    assert.equal(latest.body.run?.id, before.body.run?.id, 'no run started');
    await page.close();
  });

  it('works by keyboard at 375 px and says when order is down', async () => {
    const phone = await launchBrowser({ width: 375, height: 740 });
    try {
      const page = await openLab(phone);
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
      assert.ok(overflow <= 0, `no sideways scrolling at 375 px (overflow ${overflow} px)`);
      await page.getByRole('switch', { name: /missing-index/ }).focus();
      await page.keyboard.press('Enter');
      // The token is kept per tab: a new browser asks for it, and focus moves to the field.
      await page.getByLabel('Scenario token').waitFor();
      assert.equal(await page.evaluate<string>('document.activeElement.id'), 'token');
      assert.equal(await missingIndexOn(), wasOn, 'nothing switched without a token');

      await stack('stop', 'order');
      try {
        await page.getByRole('alert').filter({ hasText: 'order service is down' }).waitFor({ timeout: 20_000 });
      } finally {
        await stack('start', 'order');
      }
      await page.getByRole('alert').waitFor({ state: 'hidden', timeout: 20_000 });
      await page.close();
    } finally {
      await phone.close();
    }
  });
});
