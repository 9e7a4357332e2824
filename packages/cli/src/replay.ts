import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { Classifier, type ClassifyOptions } from '@bulwark/parsers';
import { latestIncidents, type RuleEngine } from '@bulwark/rules';
import { type Incident, replayEventId, type SecurityEvent } from '@bulwark/schemas';

export interface ReplayOptions {
  engine: RuleEngine;
  classify: ClassifyOptions;
  /** Stands in for the receive time: completes year-less timestamps, as live ingest does with its own. */
  referenceTime: Date;
}

/** The fields of an incident replay prints, in this order. Evaluations read them: keep them stable. */
export const REPLAY_FIELDS = [
  'id',
  'kind',
  'severity',
  'status',
  'key',
  'first_seen',
  'last_seen',
  'count',
  'summary',
  'rule',
] as const satisfies readonly (keyof Incident)[];

export type ReplayIncident = Pick<Incident, (typeof REPLAY_FIELDS)[number]>;

export function toReplayIncident(incident: Incident): ReplayIncident {
  const out: Record<string, unknown> = {};
  for (const field of REPLAY_FIELDS) out[field] = incident[field];
  return out as ReplayIncident;
}

async function* eventsOf(file: string, options: ReplayOptions): AsyncGenerator<SecurityEvent> {
  const lines = createInterface({
    input: createReadStream(file, 'utf8'),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const receivedAt = options.referenceTime.toISOString();
  // One classifier per file: a file is one stream, in order, as a sender would ship it.
  const classifier = new Classifier(options.classify);
  let lineNo = 0;
  for await (const line of lines) {
    lineNo += 1;
    if (line.trim() === '') continue;
    yield classifier.classify({ line, received_at: receivedAt, id: replayEventId(file, lineNo) });
  }
}

/**
 * Merges the files' events into one stream in event time: each file is read in its own order and
 * the stream always takes the earliest head (ties go to the file named first).
 */
async function* mergeByTime(files: readonly string[], options: ReplayOptions): AsyncGenerator<SecurityEvent> {
  const sources = files.map((file) => eventsOf(file, options));
  const heads: (SecurityEvent | null)[] = await Promise.all(
    sources.map(async (source) => (await source.next()).value ?? null),
  );
  for (;;) {
    let pick = -1;
    for (let i = 0; i < heads.length; i += 1) {
      const head = heads[i];
      if (!head) continue;
      const best = pick < 0 ? null : (heads[pick] as SecurityEvent);
      if (!best || head['@timestamp'] < best['@timestamp']) pick = i;
    }
    if (pick < 0) return;
    yield heads[pick] as SecurityEvent;
    heads[pick] = (await (sources[pick] as AsyncGenerator<SecurityEvent>).next()).value ?? null;
  }
}

/**
 * Runs classification and the rules offline over files, in event time, and returns the incidents
 * as they stand at the end, oldest first. Deterministic for the same files and options.
 */
export async function replay(files: readonly string[], options: ReplayOptions): Promise<Incident[]> {
  const changes = [];
  const batch: SecurityEvent[] = [];
  for await (const event of mergeByTime(files, options)) {
    batch.push(event);
    if (batch.length >= 1000) changes.push(...options.engine.evaluate(batch.splice(0)));
  }
  changes.push(...options.engine.evaluate(batch));
  changes.push(...options.engine.reportHeld());
  return [...latestIncidents(changes).values()].sort(
    (a, b) => a.first_seen.localeCompare(b.first_seen) || a.id.localeCompare(b.id),
  );
}
