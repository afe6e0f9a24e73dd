import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packageOf, summariseProfile, type CpuProfile } from './cpuprofile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });
const pkg = (name: string) => `file:///repo/node_modules/.pnpm/${name.replace('/', '+')}@1.0.0/node_modules/${name}/build/index.js`;

// root -> express handler -> otel wrapper -> pg query; root -> idle; root -> GC
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5, 6] },
    { id: 2, callFrame: frame('handle', pkg('express')), children: [3] },
    { id: 3, callFrame: frame('patchedQuery', pkg('@opentelemetry/instrumentation-pg')), children: [4] },
    { id: 4, callFrame: frame('query', pkg('pg')) },
    { id: 5, callFrame: frame('(idle)') },
    { id: 6, callFrame: frame('(garbage collector)') },
  ],
  // 1 ms per sample: 2 in pg (under otel and express), 1 in express, 4 idle, 1 GC; the first sample is cut by fromMs.
  samples: [4, 4, 4, 2, 5, 5, 5, 5, 6],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 9000,
};

describe('cpuprofile summary', () => {
  it('skips the start, leaves idle out of busy, and counts overlapping package families once per sample', () => {
    const summary = summariseProfile(profile, 5, 1.5);
    assert.equal(summary.total_ms, 8);
    assert.equal(summary.idle_ms, 4);
    assert.equal(summary.busy_ms, 4);
    const group = (prefix: string) => summary.groups.find((entry) => entry.group.startsWith(prefix))!;
    assert.equal(group('OpenTelemetry').busy_ms, 2);
    assert.equal(group('pg').busy_ms, 2);
    assert.equal(group('express').busy_ms, 3);
    assert.equal(group('garbage').busy_ms, 1);
    assert.equal(group('amqplib').busy_ms, 0);
    assert.equal(group('express').inclusive_pct_of_busy, 75);
    assert.deepEqual(
      summary.top_self.map((row) => [row.function, row.self_ms]),
      [
        ['query', 2],
        ['handle', 1],
        ['(garbage collector)', 1],
      ],
    );
  });
  it('leaves out what follows toMs', () => {
    const summary = summariseProfile(profile, 5, 1.5, 4);
    assert.equal(summary.total_ms, 3);
    assert.equal(summary.busy_ms, 3);
    assert.equal(summary.groups.find((entry) => entry.group.startsWith('garbage'))!.busy_ms, 0);
  });
  it("counts Node's bundled undici as undici", () => {
    assert.equal(packageOf({ functionName: 'fetch', url: 'node:internal/deps/undici/undici', lineNumber: 1 }), 'undici');
    assert.equal(packageOf({ functionName: 'emit', url: 'node:events', lineNumber: 1 }), 'node:internal');
  });
});
