/**
 * The local stack's Jaeger serves the real Jaeger UI (issue 10, part 1): index.html of a UI build (from
 * JAEGER_UI_ASSETS or ../shared/jaeger-ui), its scripts, and Jaeger UI's configuration from
 * jaeger/ui-config.json injected into the page: the "Tracecart" menu and the app.order.id link pattern,
 * with this stack's ports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { config } from './stack';

const offset = Number(process.env.STACK_PORT_OFFSET ?? 0);
const shopPort = Number(process.env.STOREFRONT_PORT ?? 8083 + offset);
const labPort = Number(process.env.LAB_PORT ?? 8084 + offset);

interface UiConfig {
  menu?: Array<{ label: string; items?: Array<{ label: string; url: string }> }>;
  linkPatterns?: Array<{ type: string; key: string; url: string; text: string }>;
}

async function indexHtml(): Promise<string> {
  const response = await fetch(config.JAEGER_UI_URL);
  assert.equal(response.status, 200);
  return response.text();
}

/** The object Jaeger's query service writes into the page's `JAEGER_CONFIG = {...};` placeholder. */
function injectedConfig(html: string): UiConfig {
  const match = /JAEGER_CONFIG\s*=\s*(\{.*?\});\s*$/m.exec(html);
  assert.ok(match, 'index.html has no injected JAEGER_CONFIG (is ui.config_file set?)');
  return JSON.parse(match[1]!) as UiConfig;
}

describe("Jaeger's real UI on the local stack", () => {
  it('serves the Jaeger UI build, not the placeholder page of a binary built without UI', async () => {
    const html = await indexHtml();
    assert.doesNotMatch(
      html,
      /This is not the Jaeger UI you are looking for/,
      'Jaeger serves its placeholder: no UI build found (see README: Jaeger UI)',
    );
    assert.match(html, /<title>Jaeger UI<\/title>/);
    assert.match(html, /<div id="jaeger-ui-root"><\/div>/);
    const scripts = [...html.matchAll(/<script[^>]+src="([^"]+\.js)"/g)].map((match) => match[1]!);
    assert.ok(scripts.length > 0, 'index.html loads no script');
    let bytes = 0;
    for (const script of scripts) {
      const response = await fetch(new URL(script, config.JAEGER_UI_URL));
      assert.equal(response.status, 200, script);
      assert.match(response.headers.get('content-type') ?? '', /javascript/, script);
      bytes += (await response.arrayBuffer()).byteLength;
    }
    assert.ok(bytes > 100_000, `the UI's scripts hold only ${bytes} bytes`);
  });

  it('serves a client-side route (a trace page) with the same UI', async () => {
    const response = await fetch(new URL('/trace/0123456789abcdef0123456789abcdef', config.JAEGER_UI_URL));
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<title>Jaeger UI<\/title>/);
  });

  it('injects the Tracecart menu with the shop and the lab console of this stack', async () => {
    const ui = injectedConfig(await indexHtml());
    const menu = ui.menu?.find((entry) => entry.label === 'Tracecart');
    assert.ok(menu, `no Tracecart menu in ${JSON.stringify(ui.menu)}`);
    const urls = (menu.items ?? []).map((item) => item.url);
    assert.ok(urls.includes(`http://localhost:${shopPort}`), urls.join(', '));
    assert.ok(urls.includes(`http://localhost:${labPort}`), urls.join(', '));
  });

  it("links a span's app.order.id attribute to that order in the shop", async () => {
    const ui = injectedConfig(await indexHtml());
    const pattern = ui.linkPatterns?.find((candidate) => candidate.key === 'app.order.id');
    assert.ok(pattern, `no link pattern for app.order.id in ${JSON.stringify(ui.linkPatterns)}`);
    assert.equal(pattern.type, 'tags');
    assert.equal(pattern.url, `http://localhost:${shopPort}/orders/#{app.order.id}`);
  });
});
