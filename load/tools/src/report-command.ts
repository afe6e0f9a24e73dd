/**
 * `pnpm report [--since 15m] [--until now] [--limit 500] [--json file] [--compare earlier.json] [--traces file...] [--top 10]`
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '@tracecart/config';
import {
  analyse,
  analysisDefaults,
  assertAnalysis,
  compareAnalyses,
  fetchCheckoutSpans,
  parseTime,
  parseWindow,
  readSpansFromFile,
  renderAnalysis,
  renderComparison,
  type Analysis,
  type Comparison,
} from '@tracecart/report';
import { positiveInteger } from './cli-options';

export interface ReportOptions {
  since: string;
  until: string;
  limit: number;
  json?: string;
  compare?: string;
  traces?: string[];
  top: number;
  jaeger?: string;
}

/** What `--json` writes: the analysis, plus the comparison when `--compare` was given. */
export type ReportDocument = Analysis & { comparison?: Comparison };

function checkedTime(value: string): string {
  try {
    parseTime(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
}

function readEarlier(path: string): Analysis {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read --compare file ${path}: ${(error as Error).message}`);
  }
  return assertAnalysis(parsed, path);
}

export async function runReport(
  options: ReportOptions,
  print: (text: string) => void = (text) => process.stdout.write(text),
): Promise<number> {
  const config = loadConfig();
  const earlier = options.compare ? readEarlier(options.compare) : undefined;
  const root = analysisDefaults.root;
  let analysis: Analysis;
  if (options.traces) {
    analysis = analyse(options.traces.flatMap(readSpansFromFile), { file: options.traces.join(', ') });
  } else {
    const window = parseWindow(options.since, options.until);
    const jaegerUrl = options.jaeger ?? config.JAEGER_QUERY_URL;
    const spans = await fetchCheckoutSpans(jaegerUrl, root, window, options.limit);
    analysis = analyse(spans, {
      jaeger: jaegerUrl,
      since: window.since.toISOString(),
      until: window.until.toISOString(),
      limit: options.limit,
    });
  }
  if (analysis.traces.analysed === 0) {
    const where = analysis.source.file ?? `Jaeger between ${analysis.source.since} and ${analysis.source.until}`;
    print(
      `No ${root.service} "${root.operation}" traces in ${where}: run some checkouts first (e.g. node load/tools/dist/burst-cli.js), or widen --since.\n`,
    );
    return 1;
  }
  const comparison = earlier ? compareAnalyses(earlier, analysis) : undefined;
  // The file first: it is complete even when the terminal output is cut short (| head).
  if (options.json) {
    const document: ReportDocument = comparison ? { ...analysis, comparison } : analysis;
    writeFileSync(options.json, `${JSON.stringify(document, null, 2)}\n`);
  }
  print(renderAnalysis(analysis, { top: options.top, jaegerUiUrl: config.JAEGER_UI_URL }));
  if (comparison) print(`\n${renderComparison(comparison)}`);
  if (options.json) print(`\nAnalysis written to ${options.json}\n`);
  return 0;
}

export function reportCommand(): Command {
  return new Command('report')
    .description(
      'Ranks where checkout time goes (critical path of the HTTP answer, checkout-to-shipped) and names the pathology behind it, from traces in Jaeger.',
    )
    .option('--since <time>', 'start of the window: ISO date-time, or a time ago like 90s, 10m, 2h', checkedTime, '15m')
    .option('--until <time>', 'end of the window: ISO date-time, "now", or a time ago', checkedTime, 'now')
    .option('--limit <n>', 'at most this many traces from Jaeger', positiveInteger, 500)
    .option('--json <file>', 'also write the whole analysis as JSON to this file')
    .option('--compare <earlier.json>', 'show before (an earlier --json file) and after (this report) per operation')
    .option('--traces <files...>', 'analyse traces from files (Jaeger /api/v3 JSON, a list of it, or recorded bursts) instead of Jaeger')
    .option('--top <n>', 'rows of each ranking to print', positiveInteger, 10)
    .option('--jaeger <url>', 'Jaeger query URL (default: JAEGER_QUERY_URL)')
    .showHelpAfterError();
}
