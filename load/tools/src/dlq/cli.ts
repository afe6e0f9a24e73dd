/** `pnpm dlq list | show <id> | replay <id> | drop <id>`: the dead-letter queues, and a way back from them. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { loadConfig } from '@tracecart/config';
import { CliError } from '@tracecart/stack-client';
import { openDlqStore, type DeadLetter, type DlqStore } from './store';
import { positiveInteger } from '../cli-options';

export interface DlqCliIo {
  print(text: string): void;
  openStore(): Promise<DlqStore>;
}

const defaultIo: DlqCliIo = {
  print: (text) => process.stdout.write(text),
  openStore: () => openDlqStore(loadConfig().RABBITMQ_URL),
};

function oneLine(value: string, width: number): string {
  const flat = value.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function renderList(counts: Array<{ name: string; queue: string; messages: number }>, letters: readonly DeadLetter[]): string {
  const lines = counts.map((count) => `${count.name}: ${count.messages} message${count.messages === 1 ? '' : 's'} (from ${count.queue})`);
  if (letters.length > 0) {
    lines.push('', ['ID'.padEnd(12), 'QUEUE'.padEnd(24), 'REPLAYABLE'.padEnd(10), 'REASON'].join('  '));
    for (const letter of letters) {
      lines.push([letter.id, letter.queue.padEnd(24), (letter.valid.ok ? 'yes' : 'no').padEnd(10), oneLine(letter.reason, 100)].join('  '));
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderLetter(letter: DeadLetter): string {
  const headers = Object.entries(letter.headers)
    .filter(([name]) => name !== 'x-death')
    .map(
      ([name, value]) =>
        `  ${name}: ${typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : JSON.stringify(value)}`,
    );
  const body = letter.json === undefined ? letter.body : JSON.stringify(letter.json, null, 2);
  return [
    `id:           ${letter.id}`,
    `message-id:   ${letter.messageId ?? '(none)'}`,
    `dead-letters: ${letter.deadLetterQueue}`,
    `from queue:   ${letter.queue} (contract ${letter.routingKey})`,
    `reason:       ${letter.reason}`,
    `replayable:   ${letter.valid.ok ? 'yes: the body passes its contract' : `no: ${letter.valid.reason} (replay --payload with a fixed body)`}`,
    `looked at:    ${letter.deliveries} time(s)`,
    ...(letter.publishedAt ? [`published:    ${letter.publishedAt}`] : []),
    'headers:',
    ...headers,
    'body:',
    body,
    '',
  ].join('\n');
}

function payloadOf(options: { payload?: string; payloadFile?: string }): unknown {
  const source = options.payloadFile !== undefined ? readFileSync(options.payloadFile, 'utf8') : options.payload;
  if (source === undefined) return undefined;
  try {
    return JSON.parse(source) as unknown;
  } catch {
    throw new CliError('the replacement payload is not valid JSON', 2);
  }
}

async function withStore<T>(io: DlqCliIo, use: (store: DlqStore) => Promise<T>): Promise<T> {
  const store = await io.openStore();
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

export function dlqCommand(io: DlqCliIo = defaultIo): Command {
  const program = new Command('dlq')
    .description('Lists, shows, replays and drops dead-lettered messages (one dead-letter queue per consumed queue).')
    .showHelpAfterError();
  program
    .command('list')
    .description('every dead-letter queue with its count, then its messages (id, origin, replayable, reason); nothing is removed')
    .option('--queue <name>', 'one queue only (the dead-letter queue or the queue it serves)')
    .option('--limit <n>', 'at most this many messages per queue', positiveInteger, 100)
    .option('--json', 'machine-readable output')
    .action(async (options: { queue?: string; limit: number; json?: boolean }) =>
      withStore(io, async (store) => {
        const letters = await store.list({ limit: options.limit, ...(options.queue ? { queue: options.queue } : {}) });
        if (options.json)
          io.print(
            `${JSON.stringify(
              letters.map(({ json: _json, ...letter }) => letter),
              null,
              2,
            )}\n`,
          );
        else io.print(renderList(await store.queues(), letters));
      }),
    );
  program
    .command('show <id>')
    .description('one message: its reason, origin, headers and body (by the id list prints, or its message-id)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { json?: boolean }) =>
      withStore(io, async (store) => {
        const letter = await store.find(id);
        if (!letter) throw new CliError(`no dead-lettered message ${id}`, 3);
        io.print(options.json ? `${JSON.stringify(letter, null, 2)}\n` : renderLetter(letter));
      }),
    );
  program
    .command('replay <id>')
    .description(
      'put the message back on the queue it came from, then remove it from the dead-letter queue (its consumer is idempotent: a replay is processed once)',
    )
    .option('--payload <json>', 'replay this body instead (a fixed one); checked against the contract')
    .option('--payload-file <path>', 'replay the body in this file instead')
    .option('--force', 'replay even a body that fails its contract (it will be dead-lettered again)')
    .action(async (id: string, options: { payload?: string; payloadFile?: string; force?: boolean }) =>
      withStore(io, async (store) => {
        const payload = payloadOf(options);
        const letter = await store.replay(id, { force: options.force === true, ...(payload === undefined ? {} : { payload }) });
        io.print(
          `replayed ${letter.id} to ${letter.queue}${payload === undefined ? '' : ' with the given payload'}; removed from ${letter.deadLetterQueue}\n`,
        );
      }),
    );
  program
    .command('drop <id>')
    .description('remove the message for good')
    .action(async (id: string) =>
      withStore(io, async (store) => {
        const letter = await store.drop(id);
        io.print(`dropped ${letter.id} from ${letter.deadLetterQueue}\n`);
      }),
    );
  return program;
}

/**
 * Runs the CLI; resolves to the exit code: 0 done, 1 failed (e.g. RabbitMQ unreachable), 2 refused
 * (bad arguments, a payload that fails its contract), 3 no such message (already replayed or dropped:
 * nothing done, so running a replay twice never delivers the message twice).
 */
export async function runDlqCli(
  argv: readonly string[],
  io: DlqCliIo = defaultIo,
  printError: (text: string) => void = (text) => process.stderr.write(text),
): Promise<number> {
  const program = dlqCommand(io).exitOverride();
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      printError(`dlq: ${error.message}\n`);
      return error.exitCode;
    }
    const commanderError = error as { code?: string };
    if (typeof commanderError.code === 'string' && commanderError.code.startsWith('commander.')) {
      return commanderError.code === 'commander.helpDisplayed' || commanderError.code === 'commander.version' ? 0 : 2;
    }
    printError(`dlq: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
