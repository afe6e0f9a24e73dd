/**
 * `pnpm screenshots`: PNGs of what a learner sees, written to docs/images/ (1280×800) from the running stack
 * (./scripts/stack up first; STACK_PORT_OFFSET and the other variables as for the tests): the shop after an
 * order, the lab console during and after a run, Compare, Jaeger's trace view of that checkout, Jaeger's
 * search and its Monitor tab. The lab's runs use the README's quick-start rate for 20 s. It applies the
 * first run's fix from the page before a second run (to have a before/after) and puts every switch back as
 * it found it.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { readStates } from '@tracecart/stack-client';
import { launchBrowser } from './browser';
import { config, jaeger, paidTraceComplete, serviceUrl, setScenario } from './stack';

const repo = path.resolve(__dirname, '..', '..', '..');
const out = path.join(repo, 'docs', 'images');
/** The rate the README tells a newcomer to run (its quick start's), so the pictures show that run. */
const RATE = Number(/docker compose run --rm load --rate (\d+)/.exec(readFileSync(path.join(repo, 'README.md'), 'utf8'))?.[1] ?? 2);
const SECONDS = 20;

async function shot(page: Page, name: string): Promise<void> {
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file });
  process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
}

async function labRun(page: Page, rate: number, seconds: number, during?: string): Promise<void> {
  await page.getByLabel('Rate (checkouts/s)').fill(String(rate));
  await page.getByLabel('Duration (s)').fill(String(seconds));
  await page.getByRole('button', { name: 'Start' }).click();
  await page.locator('#total-phase', { hasText: /sending|draining|shipping|analysing/ }).waitFor({ timeout: 30_000 });
  if (during) {
    await page.locator('#chart-figure[data-points="6"]').waitFor({ timeout: 60_000 });
    await page.locator('#load').scrollIntoViewIfNeeded();
    await shot(page, during);
  }
  await page.locator('#run-message', { hasText: /^(Run finished\.|Run failed)/ }).waitFor({ timeout: 180_000 });
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const states = await readStates(serviceUrl);
  const browser = await launchBrowser({ width: 1280, height: 800 });
  try {
    const page = await browser.context.newPage();

    // The shop after an order: its result, followed until SHIPPED, with the View trace link.
    await page.goto(config.STOREFRONT_URL, { waitUntil: 'load' });
    await page
      .getByRole('button', { name: /^Add .* to the cart$/ })
      .first()
      .waitFor();
    await page.getByLabel('Search products').fill('mug');
    await page.getByText(/matching “mug”/).waitFor();
    for (const index of [0, 1])
      await page
        .getByRole('button', { name: /^Add .* to the cart$/ })
        .nth(index)
        .click();
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.locator('#result-status', { hasText: 'SHIPPED' }).waitFor({ timeout: 60_000 });
    await shot(page, 'shop-order');
    const href = (await page.locator('#view-trace').getAttribute('href')) ?? '';
    const traceId = href.split('/trace/')[1] ?? '';

    // Jaeger's trace view of that checkout, once every service's spans are in.
    await jaeger.waitForTrace(traceId, paidTraceComplete, 60_000);
    await page.goto(`${config.JAEGER_UI_URL}/trace/${traceId}`, { waitUntil: 'load' });
    await page.getByText('Total Spans').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await shot(page, 'jaeger-trace');

    // The lab: a run with every pathology as found, the chart mid-run, the verdict after it.
    await page.goto(config.LAB_URL, { waitUntil: 'load' });
    await page.getByRole('switch', { name: /missing-index/ }).waitFor();
    await labRun(page, RATE, SECONDS, 'lab-during-run');
    await page.locator('#verdict').scrollIntoViewIfNeeded();
    await shot(page, 'lab-verdict');

    // The verdict's fix applied from the page (the token asked once), a second run, and Compare.
    const culprit = (await page.locator('#culprit-pathology').textContent()) ?? '';
    const name = /\(([a-z-]+)\)\./.exec(culprit)?.[1];
    if (!name) throw new Error(`the first run named no pathology: ${culprit}`);
    await page.getByRole('button', { name: 'Apply the fix' }).click();
    await page.getByLabel('Scenario token').fill(config.SCENARIO_TOKEN);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.locator('#switch-message', { hasText: `${name} is off` }).waitFor({ timeout: 120_000 });
    await labRun(page, RATE, SECONDS);
    await page.getByRole('button', { name: 'Compare the last two runs' }).click();
    await page.locator('#compare-body [data-side="before"]').waitFor();
    await page.locator('#compare').scrollIntoViewIfNeeded();
    await shot(page, 'lab-compare');

    // Jaeger's search for the checkouts, and the Monitor tab (span metrics through Prometheus).
    await page.goto(`${config.JAEGER_UI_URL}/search?service=order-service&operation=POST%20%2Fcheckout&limit=20&lookback=1h`, {
      waitUntil: 'load',
    });
    await page
      .getByText(/\d+ Traces?/)
      .first()
      .waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await shot(page, 'jaeger-search');
    await page.goto(`${config.JAEGER_UI_URL}/monitor`, { waitUntil: 'load' });
    await page.waitForTimeout(4_000);
    await shot(page, 'jaeger-monitor');
  } finally {
    await browser.close();
    for (const state of states) if (state.enabled !== null) await setScenario(state.name, state.enabled);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`screenshots: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
