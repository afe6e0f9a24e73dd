/** What the page says is down: the order service (checkouts, switches of order's pathologies) and Jaeger (traces, verdicts). */
export interface StackStatus {
  order: 'up' | 'down';
  jaeger: 'up' | 'down';
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

export async function stackStatus(orderUrl: string, jaegerQueryUrl: string): Promise<StackStatus> {
  const [order, jaeger] = await Promise.all([
    answers(new URL('/readyz', orderUrl).href),
    answers(new URL('/api/v3/services', jaegerQueryUrl).href),
  ]);
  return { order: order ? 'up' : 'down', jaeger: jaeger ? 'up' : 'down' };
}
