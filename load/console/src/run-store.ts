/**
 * Every finished run's report, kept by the lab itself (memory, and a JSON file each under LAB_DATA_DIR), so
 * Compare does not depend on Jaeger still holding an older run's traces. The newest MAX_RUNS are kept.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from './run-record';

export const MAX_RUNS = 20;

export class RunStore {
  private readonly runs: RunRecord[] = [];

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(dir)
      .filter((name) => /^run-[\w-]+\.json$/.test(name))
      .sort()) {
      try {
        this.runs.push(JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as RunRecord);
      } catch {
        // A file cut short by a crash is skipped; the others still load.
      }
    }
    this.runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  add(run: RunRecord): void {
    this.runs.push(run);
    writeFileSync(this.fileOf(run.id), `${JSON.stringify(run)}\n`);
    while (this.runs.length > MAX_RUNS) {
      const old = this.runs.shift()!;
      rmSync(this.fileOf(old.id), { force: true });
    }
  }

  /** Oldest first. */
  list(): readonly RunRecord[] {
    return this.runs;
  }

  private fileOf(id: string): string {
    return path.join(this.dir, `run-${id}.json`);
  }
}
