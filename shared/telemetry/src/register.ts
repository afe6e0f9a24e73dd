/**
 * Preload entry: `node --require @tracecart/telemetry/register dist/main.js`.
 * Starting the SDK here, before the service's own modules load, lets the instrumentations patch
 * express, pg and amqplib as they are required.
 */
import { startTelemetry } from './sdk';

startTelemetry();
