/**
 * The remote sampler adapter against a local HTTP server that answers exactly as Jaeger v2's
 * remote_sampling extension does (`"strategyType": 0`, per-operation strategies), driving a real
 * @opentelemetry/sdk-trace 3.x tracer: a strategy change switches sampling without a restart.
 * (The end-to-end check against the real Jaeger is in the stack tests: remote-sampling.test.ts.)
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createRemoteSampler, isSamplingPoll, remoteSamplerSettings, samplerForStrategy } from './remote-sampler';

let answer: unknown = { strategyType: 0, probabilisticSampling: { samplingRate: 1 } };
const asked: string[] = [];
let server: Server;
let endpoint = '';

before(async () => {
  server = createServer((request, response) => {
    asked.push(request.url ?? '');
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify(answer));
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function sampledNames(remote: ReturnType<typeof createRemoteSampler>, names: string[], times = 50): Record<string, number> {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ sampler: remote.sampler, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const tracer = provider.getTracer('remote-sampler-test');
  for (let i = 0; i < times; i += 1) for (const name of names) tracer.startSpan(name).end();
  const counts: Record<string, number> = Object.fromEntries(names.map((name) => [name, 0]));
  for (const span of exporter.getFinishedSpans()) counts[span.name] = (counts[span.name] ?? 0) + 1;
  return counts;
}

describe('parentbased_jaeger_remote', () => {
  it('reads the spec keys of OTEL_TRACES_SAMPLER_ARG, with JAEGER_SAMPLING_URL as the endpoint default', () => {
    assert.deepEqual(
      remoteSamplerSettings({ OTEL_TRACES_SAMPLER_ARG: 'endpoint=http://j:5778/,pollingIntervalMs=2000,initialSamplingRate=0.5' }),
      {
        endpoint: 'http://j:5778',
        pollingIntervalMs: 2000,
        initialSamplingRate: 0.5,
      },
    );
    assert.deepEqual(remoteSamplerSettings({ JAEGER_SAMPLING_URL: 'http://localhost:9778' }), {
      endpoint: 'http://localhost:9778',
      pollingIntervalMs: 10_000,
      initialSamplingRate: 1,
    });
    assert.equal(remoteSamplerSettings({ OTEL_TRACES_SAMPLER_ARG: 'initialSamplingRate=7,pollingIntervalMs=x' }).initialSamplingRate, 1);
  });

  it("reads Jaeger v2's numeric strategy type as v1's name, and applies no rate-limiting strategy", () => {
    assert.match(String(samplerForStrategy({ strategyType: 0, probabilisticSampling: { samplingRate: 0.25 } })), /0\.25/);
    assert.match(String(samplerForStrategy({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.25 } })), /0\.25/);
    assert.equal(samplerForStrategy({ strategyType: 1 }), undefined);
    assert.equal(samplerForStrategy({ strategyType: 'RATELIMITING' }), undefined);
  });

  it('polls at pollingIntervalMs until stopped', async () => {
    const polls = () => asked.filter((url) => url === '/sampling?service=polled-service').length;
    const remote = createRemoteSampler('polled-service', { OTEL_TRACES_SAMPLER_ARG: `endpoint=${endpoint},pollingIntervalMs=100` });
    try {
      const deadline = Date.now() + 20_000;
      while (polls() < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(polls() >= 3, `${polls()} polls within 20 s at a 100 ms interval`);
    } finally {
      remote.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // a poll in flight at stop() lands
    const stoppedAt = polls();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    assert.equal(polls(), stoppedAt, 'no poll after stop()');
  });

  it('applies a service-wide strategy and then a per-operation one, as Jaeger v2 serves them', async () => {
    const remote = createRemoteSampler('order-service', { OTEL_TRACES_SAMPLER_ARG: `endpoint=${endpoint},initialSamplingRate=1` });
    try {
      assert.deepEqual(sampledNames(remote, ['GET', 'POST']), { GET: 50, POST: 50 }, 'the initial rate 1 keeps every span');

      answer = { strategyType: 0, probabilisticSampling: { samplingRate: 0 } };
      await remote.refresh();
      assert.deepEqual(sampledNames(remote, ['GET', 'POST']), { GET: 0, POST: 0 }, 'a numeric strategyType 0 with rate 0 drops everything');
      assert.match(asked.at(-1) ?? '', /^\/sampling\?service=order-service$/);

      answer = {
        strategyType: 0,
        probabilisticSampling: { samplingRate: 1 },
        operationSampling: {
          defaultSamplingProbability: 1,
          perOperationStrategies: [{ operation: 'GET', probabilisticSampling: { samplingRate: 0 } }],
        },
      };
      await remote.refresh();
      assert.deepEqual(sampledNames(remote, ['GET', 'POST']), { GET: 0, POST: 50 }, 'GET at 0, the rest at the default 1');
    } finally {
      remote.stop();
    }
  });

  it("recognises the sampler's own polls, so they are never traced", () => {
    const env = { JAEGER_SAMPLING_URL: 'http://localhost:5778' };
    assert.equal(isSamplingPoll({ origin: 'http://localhost:5778', path: '/sampling?service=a' }, env), true);
    assert.equal(isSamplingPoll({ origin: 'http://localhost:8081', path: '/sampling?service=a' }, env), false);
    assert.equal(isSamplingPoll({ origin: 'http://localhost:5778', path: '/payments' }, env), false);
  });
});
