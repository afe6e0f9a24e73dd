/**
 * Start-up and graceful shutdown. On SIGTERM or SIGINT: stop taking work (close the HTTP listener,
 * cancel consumers), let in-flight work finish, close connections, flush spans, exit.
 */
import type { Server } from 'node:http';
import type { Express } from 'express';
import type { Logger } from '@tracecart/logger';
import { shutdownTelemetry } from '@tracecart/telemetry';

export function listen(app: Express, port: number, logger: Logger): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, (error?: Error) => {
      if (error) return reject(error);
      logger.info({ port }, 'listening');
      resolve(server);
    });
    // Keep-alive longer than typical client pools' idle timeout, so clients never reuse a closed socket.
    server.keepAliveTimeout = 65_000;
  });
}

/** Closes the listener and waits for in-flight requests; idle keep-alive sockets are closed at once. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

export type ShutdownStep = [name: string, step: () => Promise<unknown>];

export function shutdownOnSignals(logger: Logger, steps: ShutdownStep[], graceMs = 15_000): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    deadline.unref();
    for (const [name, step] of steps) {
      await step().catch((error: unknown) => logger.warn({ err: error, step: name }, 'shutdown step failed'));
    }
    await shutdownTelemetry().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}
