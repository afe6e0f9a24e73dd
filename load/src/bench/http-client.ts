/**
 * The benchmark's HTTP client: node:http with a keep-alive agent (cheaper per request than fetch, which
 * matters when the load generator shares two cores with the whole stack).
 */
import http from 'node:http';

export interface CheckoutResult {
  status: number;
  traceId: string | undefined;
  /** Network failure or timeout: no status. */
  error?: string;
}

export class CheckoutClient {
  private readonly agent: http.Agent;
  private readonly url: URL;

  constructor(orderUrl: string, maxSockets: number, private readonly timeoutMs = 30_000) {
    this.url = new URL('/checkout', orderUrl);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'lifo' });
  }

  checkout(body: string): Promise<CheckoutResult> {
    return new Promise((resolve) => {
      const request = http.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          timeout: this.timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            // Every /checkout answer, errors included, names its trace in the traceresponse header.
            const header = response.headers.traceresponse;
            let traceId = typeof header === 'string' ? header.split('-')[1] : undefined;
            if (!traceId) {
              try {
                traceId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { traceId?: string }).traceId ?? undefined;
              } catch {
                traceId = undefined;
              }
            }
            resolve({ status: response.statusCode ?? 0, traceId });
          });
          response.on('error', (error) => resolve({ status: 0, traceId: undefined, error: error.message }));
        },
      );
      request.on('timeout', () => request.destroy(new Error('timeout')));
      request.on('error', (error) => resolve({ status: 0, traceId: undefined, error: error.message }));
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
