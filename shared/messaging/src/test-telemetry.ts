/**
 * For tests only: starts the SDK with an in-memory exporter. Import it first, before anything that
 * loads amqplib or pg, exactly as the services' --require preload does.
 */
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import { startTelemetry } from '@tracecart/telemetry';

export const testSpans = new InMemorySpanExporter();
startTelemetry({ serviceName: 'messaging-test', exporter: testSpans, simple: true });
