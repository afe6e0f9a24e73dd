// `helm test tracecart`: one approved checkout through order's public API, then its whole trace in Jaeger.
// Node's own fetch, no dependency; exits 0 only when Jaeger returns the checkout's trace with order's spans.
const orderUrl = process.env.ORDER_URL;
const jaegerUrl = process.env.JAEGER_QUERY_URL;
const deadline = Date.now() + 120_000;

async function json(url, init) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: ${response.status} ${body.slice(0, 300)}`);
  return { response, body: body ? JSON.parse(body) : undefined };
}

async function main() {
  const { body: products } = await json(`${orderUrl}/products?limit=20`);
  const { body: customers } = await json(`${orderUrl}/customers?limit=1`);
  const product = products.find((candidate) => candidate.stock > 0);
  if (!product || customers.length === 0) throw new Error('the catalog has no product in stock or no customer: was the database seeded?');
  const { response, body: order } = await json(`${orderUrl}/checkout`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      customerId: customers[0].id,
      items: [{ sku: product.sku, quantity: 1 }],
      payment: { method: 'card', token: 'tok_visa' },
    }),
  });
  const traceId = (response.headers.get('traceresponse') ?? '').split('-')[1];
  if (!/^[0-9a-f]{32}$/.test(traceId ?? '')) throw new Error(`checkout answered without a traceresponse header: ${JSON.stringify(order)}`);
  console.log(`checkout ${JSON.stringify(order)} in trace ${traceId}`);
  for (;;) {
    const answer = await fetch(`${jaegerUrl}/api/v3/traces/${traceId}`, { signal: AbortSignal.timeout(10_000) }).catch((error) => error);
    if (answer instanceof Response && answer.ok) {
      const text = await answer.text();
      if (text.includes('order-service')) {
        console.log(`trace ${traceId} found in Jaeger with order-service's spans`);
        return;
      }
    }
    if (Date.now() > deadline)
      throw new Error(`trace ${traceId} not in Jaeger after 120 s (last answer: ${answer instanceof Response ? answer.status : answer})`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
