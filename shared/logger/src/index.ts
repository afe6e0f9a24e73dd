/**
 * pino JSON logs. The OpenTelemetry pino instrumentation (loaded by the telemetry preload) adds
 * trace_id and span_id to every line written inside a span.
 */
import pino, { type Logger } from 'pino';
import { loadConfig } from '@tracecart/config';

export type { Logger };

export function createLogger(name: string, level: string = loadConfig().LOG_LEVEL): Logger {
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
