/**
 * Start-up and graceful shutdown. On SIGTERM or SIGINT: stop taking work (close the HTTP listener,
 * cancel consumers), let in-flight work finish, close connections, flush spans, exit.
 */
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Express } from 'express';
import type { Logger } from '@tracecart/logger';
import { shutdownTelemetry } from '@tracecart/telemetry';

/** Listens on `port`, on every interface unless `host` names one (e.g. loopback). */
export function listen(app: Express, port: number, logger: Logger, host?: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const ready = (error?: Error) => {
      if (error) return reject(error);
      logger.info({ port, ...(host ? { host } : {}) }, 'listening');
      resolve(server);
    };
    const server = host ? app.listen(port, host, ready) : app.listen(port, ready);
    // Keep-alive longer than typical client pools' idle timeout, so clients never reuse a closed socket.
    server.keepAliveTimeout = 65_000;
    server.on('clientError', answerClientError);
  });
}

/**
 * Requests node's HTTP parser refuses before any route runs (control characters in a header, a header
 * block over the size limit, a broken request line or framing) get the same JSON error body as every
 * other 4xx, instead of node's default bare status line.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Socket).bytesWritten > 0 || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'request headers too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'request not received in time']
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'body_too_large', 'chunk extensions too large']
          : [400, 'bad_request', 'malformed HTTP request'];
  const body = JSON.stringify({ error: code, message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Closes the listener and waits for in-flight requests. Kept-alive connections must end too, or
 * server.close() waits for them while clients keep sending new requests over them (a busy client
 * never lets its connection go idle): from now on every response says `Connection: close`, and
 * connections that go idle (their last response written) are closed as they do.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
      if (!response.headersSent) response.setHeader('connection', 'close');
    });
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    sweep.unref();
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
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
