/**
 * Spans from a file instead of Jaeger: a Jaeger /api/v3 answer (`{"result": {"resourceSpans": ...}}`), bare
 * OTLP JSON (`{"resourceSpans": ...}`), a list of either, or a recorded fixture (`{"traces": [...]}`).
 */
import { readFileSync } from 'node:fs';
import { flattenTraces, type FlatSpan, type OtlpTraces } from '@tracecart/jaeger-client';

function otlpOf(value: unknown): OtlpTraces[] {
  if (Array.isArray(value)) return value.flatMap(otlpOf);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.resourceSpans)) return [record];
  if (record.result !== undefined) return otlpOf(record.result);
  if (record.traces !== undefined) return otlpOf(record.traces);
  return [];
}

export function spansFromJson(value: unknown): FlatSpan[] {
  return otlpOf(value).flatMap((traces) => flattenTraces(traces));
}

export function readSpansFromFile(path: string): FlatSpan[] {
  const spans = spansFromJson(JSON.parse(readFileSync(path, 'utf8')) as unknown);
  if (spans.length === 0) throw new Error(`${path} holds no OTLP spans (expected Jaeger /api/v3 JSON, a list of it, or {"traces": [...]})`);
  return spans;
}
