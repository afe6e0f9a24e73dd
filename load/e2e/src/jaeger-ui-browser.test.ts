/**
 * Jaeger's real UI (the v1.76.0 build ./scripts/stack serves from ../shared/jaeger-ui) in a real browser:
 * the trace page of a checkout renders with the services and the span count Jaeger's API reports, and the
 * search page lists every service the API knows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { launchBrowser, type Browser } from './browser';
import { cart, checkout, config, jaeger, paidTraceComplete } from './stack';

const ui = config.JAEGER_UI_URL;

function log(message: string): void {
  process.stdout.write(`# ${message}\n`);
}

describe("Jaeger's UI in a browser", () => {
  let browser: Browser;

  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it("renders a checkout's trace page with the services and the span count of Jaeger's API", async () => {
    const answer = await checkout(cart(3));
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const traceId = answer.body.traceId;
    const spans = await jaeger.waitForTrace(traceId, paidTraceComplete, 60_000);
    const services = [...new Set(spans.map((span) => span.service))].sort();

    const started = Date.now();
    const page = await browser.context.newPage();
    await page.goto(`${ui}/trace/${traceId}`, { waitUntil: 'load' });
    await page.getByText('Total Spans').waitFor({ timeout: 30_000 });
    const text = await page.evaluate<string>('document.body.innerText');
    assert.equal(Number(/Total Spans\s*(\d+)/.exec(text)?.[1]), spans.length, 'the page counts the spans the API returns');
    assert.equal(Number(/Services\s*(\d+)/.exec(text)?.[1]), services.length);
    for (const service of services) assert.ok(text.includes(service), `the waterfall lists ${service}`);
    assert.ok(text.includes('POST /checkout'), 'the root operation is shown');
    log(
      `Jaeger UI trace page: ${spans.length} spans, ${services.length} services (${services.join(', ')}), rendered in ${Date.now() - started} ms`,
    );
    await page.close();
  });

  it('the search page lists every service', async () => {
    const known = await jaeger.services();
    assert.ok(known.length >= 3, `Jaeger knows ${known.join(', ')}`);
    const page = await browser.context.newPage();
    await page.goto(`${ui}/search`, { waitUntil: 'load' });
    const item = page.locator('.ant-form-item', { hasText: /^Service \(\d+\)/ });
    await item.waitFor({ timeout: 30_000 });
    const counted = Number(/Service \((\d+)\)/.exec((await item.innerText()) ?? '')?.[1]);
    assert.ok(counted >= known.length, `the form counts ${counted} services, the API ${known.length}`);
    await item.locator('.ant-select').first().click();
    const options = page.locator('.ant-select-item-option');
    await options.first().waitFor();
    const listed = await options.allInnerTexts();
    for (const service of known) assert.ok(listed.includes(service), `${service} in the service list (${listed.join(', ')})`);
    await page.close();
  });
});
