import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { Classifier, type ClassifyOptions } from '@bulwark/parsers';
import { replayEventId } from '@bulwark/schemas';

export interface ClassifyRun {
  /** A file to read, or undefined for standard input. */
  file?: string;
  options: ClassifyOptions;
  referenceTime: Date;
  /** Format hint given with every line. */
  source?: string;
  out: Writable;
  /** Whether to write the events (false with `--stats` alone would only count). */
  events: boolean;
}

/** Counts per dataset and category. */
export type ClassifyStats = Map<string, Map<string, number>>;

const FLUSH_AT = 64 * 1024;

/** Writes `text`, waiting for the stream to drain when it asks to. */
async function write(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
}

/** Classifies every line of a file (or stdin), writing one JSON event per line; returns the counts. */
export async function classifyStream(run: ClassifyRun): Promise<ClassifyStats> {
  const input = run.file === undefined ? process.stdin : createReadStream(run.file, 'utf8');
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  const classifier = new Classifier(run.options);
  const receivedAt = run.referenceTime.toISOString();
  const origin = run.file ?? 'stdin';
  const stats: ClassifyStats = new Map();
  let buffer = '';
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    const event = classifier.classify({
      line,
      received_at: receivedAt,
      id: replayEventId(origin, lineNo),
      ...(run.source === undefined ? {} : { source: run.source }),
    });
    const byCategory = stats.get(event['event.dataset']) ?? new Map<string, number>();
    stats.set(event['event.dataset'], byCategory);
    byCategory.set(event['bulwark.category'], (byCategory.get(event['bulwark.category']) ?? 0) + 1);
    if (run.events) {
      buffer += `${JSON.stringify(event)}\n`;
      if (buffer.length >= FLUSH_AT) {
        await write(run.out, buffer);
        buffer = '';
      }
    }
  }
  if (buffer !== '') await write(run.out, buffer);
  return stats;
}

/** The counts as an aligned table: dataset, category, count; with totals per dataset. */
export function formatStats(stats: ClassifyStats): string {
  const rows: [string, string, string][] = [['dataset', 'category', 'events']];
  let total = 0;
  for (const dataset of [...stats.keys()].sort()) {
    const byCategory = stats.get(dataset) as Map<string, number>;
    for (const category of [...byCategory.keys()].sort()) {
      const count = byCategory.get(category) as number;
      total += count;
      rows.push([dataset, category, String(count)]);
    }
  }
  rows.push(['total', '', String(total)]);
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return `${rows
    .map(([dataset, category, count]) =>
      `${dataset.padEnd(widths[0] as number)}  ${category.padEnd(widths[1] as number)}  ${count.padStart(8)}`.trimEnd(),
    )
    .join('\n')}\n`;
}
