/** Errors that carry their HTTP answer, and the middleware that turns any error into a JSON body. */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ZodError } from 'zod';
import type { Logger } from '@tracecart/logger';
import { recordFailure, serverSpan } from '@tracecart/telemetry';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** 400 naming the first offending field, e.g. `items.0.quantity`. */
export function validationError(error: ZodError): HttpError {
  const issues = error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
  const first = issues[0] ?? { field: '(body)', message: 'invalid' };
  return new HttpError(400, 'invalid_request', `${first.field}: ${first.message}`, { field: first.field, issues });
}

export const notFound: RequestHandler = (request, _response, next) => {
  next(new HttpError(404, 'not_found', `no route for ${request.method} ${request.path}`));
};

interface BodyParserError {
  type?: string;
  status?: number;
  statusCode?: number;
  message?: string;
}

/** Maps body-parser failures (bad JSON, too large, wrong charset) to 4xx answers. */
function fromBodyParser(error: BodyParserError): HttpError | undefined {
  switch (error.type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'invalid_json', 'request body is not valid JSON');
    case 'entity.too.large':
      return new HttpError(413, 'body_too_large', 'request body is too large');
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return new HttpError(415, 'unsupported_encoding', error.message ?? 'unsupported body encoding');
    case 'request.aborted':
      return new HttpError(400, 'request_aborted', 'request aborted');
    default: {
      const status = error.status ?? error.statusCode;
      return status && status >= 400 && status < 500 ? new HttpError(status, 'bad_request', error.message ?? 'bad request') : undefined;
    }
  }
}

/**
 * How a service tells "its database is down" (answered 503 `database_unavailable`: retry later, never a
 * 500, whatever route it came from), e.g. @tracecart/postgres's isDatabaseUnavailable.
 */
export interface DatabaseOutage {
  isUnavailable(error: unknown): boolean;
  /** Names the database in the answer's message, e.g. "order". */
  name: string;
}

export function jsonErrorHandler(logger: Logger, database?: DatabaseOutage): ErrorRequestHandler {
  return (error: unknown, _request, response, _next) => {
    const known =
      error instanceof HttpError
        ? error
        : database?.isUnavailable(error)
          ? new HttpError(503, 'database_unavailable', `${database.name} database unavailable; retry shortly`)
          : fromBodyParser(error as BodyParserError);
    const answer = known ?? new HttpError(500, 'internal_error', 'internal error');
    if (answer.status >= 500) {
      logger.error({ err: error }, 'request failed');
      recordFailure(serverSpan(), error);
    }
    if (response.headersSent) return;
    response.status(answer.status).json({ error: answer.code, message: answer.message, ...answer.details });
  };
}
