import type { Database, Statement } from './driver.js';

/**
 * Finding events by source address and by user name (schema 4), without an index entry per event.
 *
 * A B-tree index on `(source_ip, ts)` costs every insert a walk down the tree and leaves the pages
 * of every address in a commit dirty (on this VM, 3–5 µs of an ~8–13 µs insert). Instead, each
 * transaction writes one `event_keys` row per value it saw: the value, the range of the events'
 * times, and the list of their seqs. An attacker's 5,000 failed logins in one group commit are
 * one row instead of 5,000 index entries; a value seen once costs about what an index entry did.
 *
 * Writes go to a log first (`note`), which follows the transactions: `mark` before a write,
 * `rollbackTo` if it fails (a savepoint undone takes its entries with it), `flush` inside the
 * outermost transaction just before it commits, so the rows commit with the events they name.
 */
export const KeyField = { sourceIp: 0, userName: 1 } as const;
export type KeyField = (typeof KeyField)[keyof typeof KeyField];

/** The postings of one value in one transaction. */
interface Posting {
  minTs: number;
  maxTs: number;
  seqs: number[];
}

export class EventKeyLog {
  private fields: KeyField[] = [];
  private values: string[] = [];
  private times: number[] = [];
  private seqs: number[] = [];
  private readonly insert: Statement;

  constructor(db: Database) {
    this.insert = db.prepare(
      'INSERT INTO event_keys (field, value, first_seq, min_ts, max_ts, seqs) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  note(field: KeyField, value: string, ts: number, seq: number): void {
    this.fields.push(field);
    this.values.push(value);
    this.times.push(ts);
    this.seqs.push(seq);
  }

  mark(): number {
    return this.seqs.length;
  }

  rollbackTo(mark: number): void {
    this.fields.length = mark;
    this.values.length = mark;
    this.times.length = mark;
    this.seqs.length = mark;
  }

  /** Writes a row per field and value noted since the last flush; runs inside the transaction. */
  flush(): void {
    if (this.seqs.length === 0) return;
    const byField: Map<string, Posting>[] = [new Map(), new Map()];
    for (let i = 0; i < this.seqs.length; i += 1) {
      const postings = byField[this.fields[i] as KeyField] as Map<string, Posting>;
      const value = this.values[i] as string;
      const ts = this.times[i] as number;
      const posting = postings.get(value);
      if (posting === undefined) {
        postings.set(value, { minTs: ts, maxTs: ts, seqs: [this.seqs[i] as number] });
      } else {
        if (ts < posting.minTs) posting.minTs = ts;
        if (ts > posting.maxTs) posting.maxTs = ts;
        posting.seqs.push(this.seqs[i] as number);
      }
    }
    byField.forEach((postings, field) => {
      for (const [value, { minTs, maxTs, seqs }] of postings) {
        // Seqs are noted in insert order, so the first is the smallest: unique per field and value.
        this.insert.run(field, value, seqs[0], minTs, maxTs, JSON.stringify(seqs));
      }
    });
    this.rollbackTo(0);
  }
}

/** Where a search by key starts: the newest posting first, as results are newest first. */
export const POSTINGS_OF_VALUE = `
  SELECT first_seq, max_ts FROM event_keys
  WHERE field = @field AND value = @value AND max_ts >= @from AND min_ts < @to AND min_ts <= @before
  ORDER BY max_ts DESC, first_seq DESC`;

/** The events of some postings of a value (`@first_seqs`, a JSON array), before any other filter. */
export function eventsOfPostings(columns: string, where: readonly string[]): string {
  return `
    SELECT ${columns} FROM events
    WHERE seq IN (SELECT j.value FROM event_keys k, json_each(k.seqs) j
                  WHERE k.field = @field AND k.value = @value
                    AND k.first_seq IN (SELECT value FROM json_each(@first_seqs)))
    ${where.map((clause) => `AND ${clause}`).join(' ')}`;
}
