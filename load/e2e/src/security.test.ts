/**
 * Security checks: the scenario switches refuse callers without the token (401) or with a wrong one
 * (403); spans read back from Jaeger never hold a card token, a query parameter value (URL or SQL) or
 * untrusted baggage; no tracked file holds a private key, an AWS-style key or a password other than
 * the documented demo defaults; Dockerfiles, where present, run as a non-root user.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { SpanKind, type FlatSpan } from '@tracecart/jaeger-client';
import { pathologyNames, type PathologyName } from '@tracecart/lab-catalogue';
import { repoRoot } from './faults';
import { cart, checkout, config, jaeger, paidTraceComplete, serviceUrl, waitForOrderStatus, type ServiceName } from './stack';

const switchesOf: Record<ServiceName, PathologyName[]> = {
  order: ['n-plus-one', 'pool-starvation'],
  payment: ['missing-index'],
  shipping: ['lock-contention'],
};

async function scenarioState(service: ServiceName): Promise<unknown> {
  return (await fetch(`${serviceUrl[service]}/scenarios`)).json();
}

describe('scenario switches need the token', () => {
  const wrong = (token: string) => [
    ['a wrong token', `Bearer ${randomBytes(12).toString('hex')}`],
    ['the token with one character changed', `Bearer ${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}`],
    ['the token with a suffix', `Bearer ${token}0`],
    ['a prefix of the token', `Bearer ${token.slice(0, 4)}`],
  ];
  const missing = [
    ['no Authorization header', undefined],
    ['an empty Bearer', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from(`admin:${config.SCENARIO_TOKEN}`).toString('base64')}`],
    ['the bare token without a scheme', config.SCENARIO_TOKEN],
  ];
  for (const service of ['order', 'payment', 'shipping'] as const) {
    it(`${service}: 401 without a token, 403 with a wrong one, and the switch does not move`, async () => {
      const before = await scenarioState(service);
      for (const name of [...switchesOf[service], pathologyNames.find((other) => !switchesOf[service].includes(other))!]) {
        for (const enabled of [true, false]) {
          for (const [what, authorization, expected] of [
            ...missing.map(([what, value]) => [what, value, 401] as const),
            ...wrong(config.SCENARIO_TOKEN).map(([what, value]) => [what, value, 403] as const),
          ]) {
            const response = await fetch(`${serviceUrl[service]}/scenarios/${name}`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
              body: JSON.stringify({ enabled }),
            });
            const body = (await response.json()) as { error?: string };
            assert.equal(response.status, expected, `${service} PUT /scenarios/${name} with ${what}: ${JSON.stringify(body)}`);
            assert.equal(body.error, expected === 401 ? 'unauthorized' : 'forbidden');
          }
        }
      }
      assert.deepEqual(await scenarioState(service), before, 'no switch changed');
    });
  }
});

describe('spans in Jaeger never hold secrets or parameter values', () => {
  function everything(spans: FlatSpan[]): string {
    return JSON.stringify(spans.map((span) => [span.name, span.statusMessage, span.attributes, span.events]));
  }

  it('a paid and a declined checkout: no card token, no SQL parameter values, no untrusted baggage', async () => {
    const secretToken = `tok_sec${randomBytes(12).toString('hex')}`;
    const paid = cart(2, secretToken);
    const baggageSecret = `bag${randomBytes(8).toString('hex')}`;
    const answer = await checkout(paid, { baggage: `user.secret=${baggageSecret},session=${baggageSecret}` });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const spans = await jaeger.waitForTrace(answer.body.traceId, paidTraceComplete);
    assert.ok(paidTraceComplete(spans), 'the whole trace arrived');
    await waitForOrderStatus(answer.body.orderId, 'SHIPPED');

    const declined = cart(1, 'tok_chargeDeclined');
    const refusal = await checkout(declined);
    assert.equal(refusal.status, 402);
    const declinedSpans = await jaeger.waitForTrace(refusal.body.traceId, (found) =>
      found.some((span) => span.service === 'payment-service' && span.kind === SpanKind.SERVER),
    );

    for (const [label, found, body] of [
      ['paid', spans, paid],
      ['declined', declinedSpans, declined],
    ] as const) {
      const text = everything(found);
      assert.ok(!text.includes(body.payment.token), `${label}: the card token is in a span`);
      assert.ok(!/tok_[A-Za-z0-9_]+/.test(text), `${label}: something card-token-like is in a span`);
      assert.ok(!text.includes(baggageSecret), `${label}: untrusted baggage reached a span`);
      for (const span of found) {
        for (const key of Object.keys(span.attributes)) {
          assert.ok(
            !/^db\.(query|statement)\.param/.test(key) && key !== 'db.statement.parameters',
            `${label}: ${span.name} carries ${key}`,
          );
        }
        const query = span.attributes['db.query.text'];
        if (typeof query === 'string') {
          assert.ok(!query.includes(body.customerId), `${label}: a literal customer id in ${query}`);
          for (const item of body.items) assert.ok(!query.includes(item.sku), `${label}: a literal SKU in ${query}`);
        }
      }
    }
  });

  it('URL query parameter values never reach a span (names may)', async () => {
    const secret = `q${randomBytes(10).toString('hex')}`;
    const traceIds: string[] = [];
    for (const [service, target] of [
      ['order', `/customers?limit=3&email=${secret}`],
      ['order', `/products?limit=2&q=${secret}`],
      ['order', `/orders/00000000-0000-4000-8000-000000000000?token=${secret}`],
      ['payment', `/payments/orders/00000000-0000-4000-8000-000000000000?card=${secret}`],
      ['shipping', `/shipments/00000000-0000-4000-8000-000000000000?x=${secret}`],
    ] as const) {
      const traceId = randomBytes(16).toString('hex');
      traceIds.push(traceId);
      const response = await fetch(`${serviceUrl[service]}${target}`, {
        headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      });
      assert.ok(response.status < 500);
      await response.arrayBuffer();
    }
    for (const traceId of traceIds) {
      const spans = await jaeger.waitForTrace(traceId, (found) => found.some((span) => span.kind === SpanKind.SERVER));
      const server = spans.find((span) => span.kind === SpanKind.SERVER);
      assert.ok(server, `server span of ${traceId}`);
      assert.ok(!everything(spans).includes(secret), `a query parameter value is in a span: ${JSON.stringify(server.attributes)}`);
    }
  });
});

describe('a declared production deployment', () => {
  for (const service of ['order', 'payment', 'storefront'] as const) {
    it(`${service} refuses to start with the demo tokens, naming each`, () => {
      const env: NodeJS.ProcessEnv = { ...process.env, TRACECART_DEPLOYMENT: 'production', OTEL_SDK_DISABLED: 'true', LOG_LEVEL: 'silent' };
      delete env.SCENARIO_TOKEN;
      delete env.INTERNAL_TOKEN;
      const run = spawnSync(process.execPath, ['--require', '@tracecart/telemetry/register', 'dist/main.js'], {
        cwd: path.join(repoRoot, 'services', service),
        env,
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 1, `exit status ${run.status}: ${run.stderr}`);
      assert.match(run.stderr, /SCENARIO_TOKEN\W+TRACECART_DEPLOYMENT=production refuses the demo default/);
      assert.match(run.stderr, /INTERNAL_TOKEN\W+TRACECART_DEPLOYMENT=production refuses the demo default/);
    });
  }
});

describe('public answers hold no personal data', () => {
  it('GET /customers answers ids and names only, no e-mail addresses (order, and the shop)', async () => {
    for (const url of [`${serviceUrl.order}/customers?limit=5`, `${config.STOREFRONT_URL}/api/customers`]) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      const customers = (await response.json()) as Array<Record<string, unknown>>;
      assert.ok(customers.length > 0, `${url}: no customers`);
      for (const customer of customers) {
        assert.deepEqual(Object.keys(customer).sort(), ['id', 'name'], `${url}: ${JSON.stringify(customer)}`);
        assert.ok(!JSON.stringify(customer).includes('@'), `${url}: something like an e-mail address`);
      }
    }
  });
});

describe('the repository holds no secrets', () => {
  const tracked = execFileSync('git', ['ls-files', '-z'], { cwd: repoRoot, encoding: 'utf8' }).split('\0').filter(Boolean);

  function textOf(file: string): string | undefined {
    let buffer: Buffer;
    try {
      buffer = readFileSync(path.join(repoRoot, file));
    } catch {
      return undefined; // deleted in the working tree
    }
    if (buffer.includes(0)) return undefined; // binary
    return buffer.toString('utf8');
  }

  // Assembled from parts, so this file does not match itself.
  const dashes = '-'.repeat(5);
  const privateKey = new RegExp(`${dashes}BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?${dashes}`);
  const awsAccessKey = new RegExp(`\\b(AK${'IA'}|AS${'IA'}|AG${'PA'}|AI${'DA'}|AR${'OA'}|AN${'PA'}|AN${'VA'}|AI${'PA'})[0-9A-Z]{16}\\b`);
  const awsSecret = new RegExp(`aws_?secret_?access_?key\\s*[:=]\\s*["']?[A-Za-z0-9/+=]{40}`, 'i');
  /**
   * A password, secret or token given a literal value on the same line, in code, env, YAML or JSON style
   * (comparisons and arrows excluded; a YAML key whose value is a nested map on the next lines is none).
   */
  const passwordAssignment = new RegExp(
    `(?:pass${'word'}|passwd|pwd|secret|token)[A-Za-z0-9_-]*["']?[ \\t]*[:=](?![=>])[ \\t]*(?:"([^"\\n]*)"|'([^'\\n]*)'|([^\\s"',;#)]+))`,
    'gi',
  );
  const credentialsInUrl = /\b[a-z][a-z0-9+.-]*:\/\/([^:/\s@"'`]+):([^@/\s"'`]+)@/gi;
  /** The documented demo defaults (README, config schema): local-only credentials of the dev stack. */
  const demoDefaults = new Set(['tracecart', 'guest', 'postgres', 'tracecart-demo-token', 'tracecart-internal-demo-token']);

  /** A placeholder, not a value: $ENV, ${ENV}, ${X:?message}, {{template}}, <placeholder>, ***, %s, or a test card token. */
  function isPlaceholder(value: string): boolean {
    return value === '' || value.includes('${') || /^(\$|\{|<|\*+$|%|\?|tok_)/.test(value);
  }

  /** Markdown code quotes, closing brackets and a trailing colon, comma or full stop around a value are not part of it. */
  function bare(value: string): string {
    return value.replace(/^`+/, '').replace(/[`}\]):,.]+$/, '');
  }

  /** Too short to be a credential: prose such as "SECRETS: the". */
  const tooShort = (value: string) => value.length < 6;

  /** Deliberately fake values in tests: a wrong token for a 401/403 test, the canonical test card number. */
  function isTestFixture(file: string, value: string): boolean {
    // The Helm chart's ci/ values files are test fixtures too (chart-testing's convention).
    return (
      (/\.test\.ts$/.test(file) || /^deploy\/helm\/[^/]+\/ci\//.test(file)) &&
      (/(^|-)(test|not-the|wrong|fake)(-|$)/.test(value) || value === '4111111111111111')
    );
  }

  /**
   * An unquoted value that is code, not a literal: config.X, z.string(, process.env.X, ENV_NAME, a type name,
   * `${...}`, an indexed or typed name (tokens[at]!, Token[]); in TypeScript or JavaScript any bare identifier
   * (a variable such as internalToken), where in .env or YAML an unquoted word is a literal value.
   */
  function isCode(file: string, value: string): boolean {
    if (/^(new|await|typeof|function|async)$/.test(value) || (value.startsWith('`') && value.includes('${'))) return true;
    if (/\.(c|m)?[jt]s$/.test(file) && value.startsWith('(')) return true; // an arrow function's parameters
    if (!/^[A-Za-z_$][\w$]*(\.[\w$]+)*(\(.*|\[.*)?!?$/.test(value)) return false;
    if (/\.(c|m)?[jt]s$/.test(file)) return true;
    return (
      value.includes('.') ||
      value.includes('(') ||
      value.includes('[') ||
      /^[A-Z][A-Z0-9_]*$/.test(value) ||
      /^(true|false|null|undefined|string|number|boolean)$/.test(value)
    );
  }

  /** What a name says is not a credential itself: the name of a header that carries one, or a URL path. */
  const namesNoValue = (key: string, value: string) => /(_header|header|secretName)["']?\s*[:=]$/i.test(key) || value.startsWith('/');

  it('no private keys, AWS-style keys, or passwords other than the documented demo defaults', () => {
    const findings: string[] = [];
    for (const file of tracked) {
      if (file === 'pnpm-lock.yaml') continue; // integrity hashes only; checked for keys below
      const text = textOf(file);
      if (text === undefined) continue;
      if (privateKey.test(text)) findings.push(`${file}: a private key`);
      if (awsAccessKey.test(text)) findings.push(`${file}: an AWS-style access key id`);
      if (awsSecret.test(text)) findings.push(`${file}: an AWS secret access key`);
      for (const match of text.matchAll(passwordAssignment)) {
        const quoted = match[1] ?? match[2];
        const value = bare((quoted ?? match[3] ?? '').trim());
        const fine =
          demoDefaults.has(value) ||
          isPlaceholder(value) ||
          tooShort(value) ||
          isTestFixture(file, value) ||
          namesNoValue(match[0].slice(0, match[0].search(/[:=]/) + 1), value) ||
          (quoted === undefined && isCode(file, value));
        if (!fine) findings.push(`${file}: ${match[0].slice(0, 80)}`);
      }
      for (const match of text.matchAll(credentialsInUrl)) {
        if (!isPlaceholder(match[2]!) && !demoDefaults.has(match[2]!) && !isTestFixture(file, match[2]!))
          findings.push(`${file}: credentials in a URL: ${match[0]}`);
      }
    }
    const lock = textOf('pnpm-lock.yaml') ?? '';
    if (privateKey.test(lock) || awsAccessKey.test(lock)) findings.push('pnpm-lock.yaml: a key');
    assert.deepEqual(findings, []);
    assert.ok(tracked.length > 50, `scanned ${tracked.length} tracked files`);
  });

  it('no environment or key files are tracked, but for the documented demo .env', () => {
    const suspicious = tracked.filter((file) =>
      /(^|\/)\.env($|\.(?!example$|sample$)[^/]*$)|\.(pem|key|p12|pfx|keystore|jks)$|(^|\/)id_(rsa|ed25519|ecdsa)$/.test(file),
    );
    // docker compose's .env at the root pins versions and holds only the documented demo credentials.
    assert.deepEqual(
      suspicious.filter((file) => file !== '.env'),
      [],
    );
    if (suspicious.includes('.env')) {
      const env = textOf('.env') ?? '';
      assert.match(env, /DEMO DEFAULTS, NOT SECRETS/, '.env says its credentials are demo defaults');
      for (const [, key, value] of env.matchAll(/^([A-Z_]*(?:PASSWORD|TOKEN|SECRET)[A-Z_]*)=(.*)$/gm)) {
        assert.ok(demoDefaults.has(value!.trim()), `.env: ${key} is not a documented demo default`);
      }
    }
  });

  it('Dockerfiles run as a non-root user', () => {
    const dockerfiles = tracked.filter((file) => /(^|\/)(Dockerfile[^/]*|[^/]+\.Dockerfile)$/.test(file));
    assert.ok(dockerfiles.length > 0, 'the images are built from a Dockerfile in the repo');
    for (const file of dockerfiles) {
      // Stages in order, each with its base and its USER lines; a stage inherits its base stage's user.
      const stages: Array<{ name: string | undefined; base: string; users: string[] }> = [];
      for (const line of (textOf(file) ?? '').split('\n').map((text) => text.trim())) {
        const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
        if (from) stages.push({ base: from[1]!, name: from[2], users: [] });
        else if (/^USER\s/i.test(line)) stages.at(-1)?.users.push(line.split(/\s+/)[1]!);
      }
      const userOf = (stage: (typeof stages)[number]): string | undefined => {
        if (stage.users.length > 0) return stage.users.at(-1);
        const base = stages.find((candidate) => candidate.name === stage.base);
        return base ? userOf(base) : undefined;
      };
      // Every stage that is an image target (not only a build step another stage copies from) runs unprivileged.
      const copiedFrom = new Set([...(textOf(file) ?? '').matchAll(/--from=(\S+)/g)].map((match) => match[1]!));
      const targets = stages.filter((stage) => !stage.name || !copiedFrom.has(stage.name) || stage === stages.at(-1));
      const images = targets.filter((stage) => !stages.some((other) => other.base === stage.name));
      assert.ok(images.length > 0, `${file}: no final stage found`);
      for (const stage of images) {
        const user = userOf(stage);
        assert.ok(user, `${file}: stage ${stage.name ?? '(last)'} sets no USER (it would run as root)`);
        assert.ok(!/^(root|0)(:.*)?$/.test(user), `${file}: stage ${stage.name ?? '(last)'} runs as ${user}`);
      }
    }
  });
});
