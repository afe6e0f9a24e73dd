/** Renders the end-of-run summary as text for the terminal. */
import type { LatencyStats } from './histogram';
import { formatMs } from './progress';
import type { LoadSummary } from './summary';
import { storedNote } from './stored-traces';

function statsLine(label: string, stats: LatencyStats | null): string {
  if (!stats) return `  ${label.padEnd(22)} no samples`;
  const cells = [
    `p50 ${formatMs(stats.p50)}`,
    `p90 ${formatMs(stats.p90)}`,
    `p99 ${formatMs(stats.p99)}`,
    `p99.9 ${formatMs(stats.p999)}`,
    `max ${formatMs(stats.max)}`,
  ];
  return `  ${label.padEnd(22)} ${cells.map((cell) => cell.padEnd(15)).join('')}(n=${stats.count})`;
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : '-';
}

export function formatSummary(summary: LoadSummary): string {
  const { rate, outcomes, shipped } = summary;
  const lines: string[] = [];
  const gap = rate.targetPerSec > 0 ? ((rate.achievedPerSec - rate.targetPerSec) / rate.targetPerSec) * 100 : 0;
  lines.push(`Load against ${summary.config.url}${summary.interrupted ? '  (INTERRUPTED)' : ''}`);
  lines.push(
    `  rate                   target ${rate.targetPerSec}/s  achieved ${rate.achievedPerSec.toFixed(1)}/s (${gap >= 0 ? '+' : ''}${gap.toFixed(2)}%)` +
      `  over ${rate.sendWindowSec.toFixed(1)}s; throughput ${rate.throughputPerSec.toFixed(1)}/s`,
  );
  lines.push(
    `  requests               scheduled ${rate.scheduled}  sent ${rate.sent}  completed ${rate.completed}  dropped ${rate.dropped}`,
  );
  lines.push('');
  lines.push('HTTP latency (from the scheduled send)');
  lines.push(statsLine('latency', summary.latencyMs));
  lines.push(statsLine('service time', summary.serviceTimeMs));
  lines.push(statsLine('client send lag', summary.sendLagMs));
  lines.push('');
  lines.push('Outcomes');
  const total = rate.sent;
  lines.push(`  201 created            ${outcomes.created} (${percent(outcomes.created, total)})`);
  lines.push(`  402 declined           ${outcomes.declined} (${percent(outcomes.declined, total)})`);
  for (const [status, count] of Object.entries(outcomes.byStatus)) {
    lines.push(`  ${`${status} status`.padEnd(22)} ${count} (${percent(count, total)})`);
  }
  for (const [code, count] of Object.entries(outcomes.networkErrors)) {
    lines.push(`  ${`network ${code}`.padEnd(22)} ${count} (${percent(count, total)})`);
  }
  if (outcomes.timeouts > 0) {
    lines.push(`  timeouts               ${outcomes.timeouts} (${percent(outcomes.timeouts, total)}; not in the latency percentiles)`);
  }
  if (outcomes.dropped > 0) {
    lines.push(
      `  dropped (client-overloaded) ${outcomes.dropped}: in-flight cap ${summary.config.concurrencyCap} reached; raise --concurrency-cap or lower --rate`,
    );
  }
  lines.push(`  errors                 ${outcomes.errors} (${percent(outcomes.errors, total)})`);
  lines.push('');
  lines.push(
    `Checkout to shipped (sample ${summary.config.shippedSample}, poll every ${shipped.pollMs}ms, deadline ${shipped.timeoutMs / 1000}s)`,
  );
  if (shipped.sampled === 0 && shipped.skipped === 0) {
    lines.push('  no order sampled');
  } else {
    lines.push(statsLine('seen by polling', shipped.latencyMs));
    lines.push(statsLine('createdAt→shippedAt', shipped.serverLatencyMs));
    const extra = [
      `sampled ${shipped.sampled}`,
      `shipped ${shipped.shipped}`,
      `not shipped in time ${shipped.notShippedInTime}`,
      ...(shipped.paymentFailed > 0 ? [`payment failed ${shipped.paymentFailed}`] : []),
      ...(shipped.skipped > 0 ? [`skipped ${shipped.skipped}`] : []),
      ...(shipped.abandoned > 0 ? [`abandoned ${shipped.abandoned}`] : []),
      ...(shipped.pollErrors > 0 ? [`poll errors ${shipped.pollErrors}`] : []),
    ];
    lines.push(`  ${extra.join('  ')}`);
  }
  lines.push('');
  if (summary.slowest.length > 0) {
    lines.push(`Slowest ${summary.slowest.length} traces`);
    for (const trace of summary.slowest) {
      lines.push(`  ${formatMs(trace.latencyMs).padStart(8)}  ${trace.status}  ${trace.jaegerUrl}${storedNote(trace)}`);
    }
    lines.push('');
  }
  const client = summary.client;
  lines.push(
    `Client: CPU ${client.cpuPercent}% of one core, max in-flight ${client.maxInFlight}, event-loop delay p99 ${formatMs(client.eventLoopDelayP99Ms)}`,
  );
  return lines.join('\n');
}
