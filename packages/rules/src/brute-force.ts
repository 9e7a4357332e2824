import { incidentId, type SecurityEvent, type Severity } from '@bulwark/schemas';
import { appendEvidence } from './evidence.js';
import type { IncidentChange, Rule, RuleStateRow } from './rule.js';

export interface BruteForceOptions {
  /** Failed logins from one address within `windowMs` that open an incident. */
  threshold: number;
  windowMs: number;
  /** The episode ends once this long passes in event time with no further failure. */
  quietMs: number;
  /** Count at which severity rises from medium to high. */
  highAt: number;
  /**
   * A key touched within this many failures is never forgotten, however far event time has moved:
   * one line stamped far in the future (a host with a wrong clock) must not wipe attacks under way.
   */
  keepRecent?: number;
}

interface Failure {
  t: number;
  id: string;
  user?: string;
}

interface Episode {
  id: string;
  first: number;
  last: number;
  count: number;
  severity: Severity;
  users: string[];
  datasets: string[];
  evidence: string[];
}

interface KeyState {
  /** Failures inside the window, oldest first. */
  window: Failure[];
  episode: Episode | null;
  /** Latest event time seen for this key: drives forgetting. */
  touched: number;
  /** Position, in evaluation order, of this key's latest failure. */
  seen: number;
}

const MAX_LISTED = 5;

const DEFAULT_KEEP_RECENT = 10_000;

/**
 * `brute_force`: at least `threshold` failed logins from one source address within `windowMs`, on
 * event time. One incident per address and episode absorbs every further failure until the address
 * has been quiet for `quietMs`.
 */
export class BruteForceRule implements Rule {
  readonly name = 'brute_force';
  private readonly states = new Map<string, KeyState>();
  private readonly dirty = new Set<string>();
  private watermark = Number.NEGATIVE_INFINITY;
  /** Failures evaluated so far: the processing-order clock that protects recent keys. */
  private tick = 0;

  constructor(private readonly options: BruteForceOptions) {}

  evaluate(event: SecurityEvent, out: IncidentChange[]): void {
    if (event['bulwark.category'] !== 'failed_login') return;
    const ip = event['source.ip'];
    if (ip === undefined) return;
    const t = Date.parse(event['@timestamp']);
    if (t > this.watermark) this.watermark = t;

    const state = this.touch(ip, t);
    const user = event['user.name'];
    const failure: Failure =
      user === undefined ? { t, id: event['event.id'] } : { t, id: event['event.id'], user };

    if (state.episode && t > state.episode.last + this.options.quietMs) state.episode = null;
    if (state.episode) {
      out.push(this.absorb(ip, state.episode, failure, event['event.dataset']));
    } else {
      insertSorted(state.window, failure);
      const newest = (state.window[state.window.length - 1] as Failure).t;
      while (state.window.length > 0 && (state.window[0] as Failure).t < newest - this.options.windowMs) {
        state.window.shift();
      }
      if (state.window.length >= this.options.threshold) {
        state.episode = this.open(ip, state.window, event['event.dataset']);
        // The failures now belong to the incident: a later episode must earn its own threshold.
        state.window = [];
        out.push({ type: 'opened', incident: this.incident(ip, state.episode) });
      }
    }
    this.dirty.add(ip);
    this.forgetStale();
  }

  takeDirty(): RuleStateRow[] {
    const rows: RuleStateRow[] = [];
    for (const key of this.dirty) rows.push({ rule: this.name, key, state: this.states.get(key) ?? null });
    this.dirty.clear();
    return rows;
  }

  load(rows: Iterable<Omit<RuleStateRow, 'rule'>>): void {
    for (const row of rows) {
      const state = row.state as KeyState;
      this.states.set(row.key, state);
      if (state.touched > this.watermark) this.watermark = state.touched;
      if (state.seen > this.tick) this.tick = state.seen;
    }
  }

  size(): number {
    return this.states.size;
  }

  private touch(ip: string, t: number): KeyState {
    this.tick += 1;
    const existing = this.states.get(ip);
    const state = existing ?? { window: [], episode: null, touched: t, seen: this.tick };
    state.seen = this.tick;
    // Re-inserting keeps the Map in order of last touch, so stale keys gather at its front.
    this.states.delete(ip);
    this.states.set(ip, state);
    if (t > state.touched) state.touched = t;
    return state;
  }

  private forgetStale(): void {
    const horizon = this.watermark - Math.max(this.options.windowMs, this.options.quietMs);
    for (const [key, state] of this.states) {
      if (
        state.touched >= horizon ||
        this.tick - state.seen < (this.options.keepRecent ?? DEFAULT_KEEP_RECENT)
      )
        break;
      this.states.delete(key);
      this.dirty.add(key);
    }
  }

  private open(ip: string, window: Failure[], dataset: string): Episode {
    const first = (window[0] as Failure).t;
    const episode: Episode = {
      id: incidentId(this.name, { 'source.ip': ip }, first),
      first,
      last: first,
      count: 0,
      severity: 'medium',
      users: [],
      datasets: [dataset],
      evidence: [],
    };
    for (const failure of window) this.record(episode, failure);
    return episode;
  }

  private absorb(ip: string, episode: Episode, failure: Failure, dataset: string): IncidentChange {
    const previousSeverity = episode.severity;
    this.record(episode, failure);
    if (!episode.datasets.includes(dataset) && episode.datasets.length < MAX_LISTED)
      episode.datasets.push(dataset);
    return { type: 'updated', incident: this.incident(ip, episode), previousSeverity };
  }

  private record(episode: Episode, failure: Failure): void {
    episode.count += 1;
    if (failure.t < episode.first) episode.first = failure.t;
    if (failure.t > episode.last) episode.last = failure.t;
    if (
      failure.user !== undefined &&
      !episode.users.includes(failure.user) &&
      episode.users.length < MAX_LISTED
    ) {
      episode.users.push(failure.user);
    }
    episode.evidence = appendEvidence(episode.evidence, failure.id);
    if (episode.count >= this.options.highAt) episode.severity = 'high';
  }

  private incident(ip: string, episode: Episode): IncidentChange['incident'] {
    const users = episode.users.length > 0 ? ` against ${episode.users.join(', ')}` : '';
    return {
      id: episode.id,
      kind: 'brute_force',
      severity: episode.severity,
      status: 'open',
      key: { 'source.ip': ip },
      first_seen: new Date(episode.first).toISOString(),
      last_seen: new Date(episode.last).toISOString(),
      count: episode.count,
      summary: `${episode.count} failed logins (${episode.datasets.join(', ')}) from ${ip}${users}`,
      rule: this.name,
      evidence: [...episode.evidence],
    };
  }
}

/** Inserts keeping `list` sorted by time; events nearly always arrive in order, so search from the end. */
function insertSorted(list: Failure[], failure: Failure): void {
  let index = list.length;
  while (index > 0 && (list[index - 1] as Failure).t > failure.t) index -= 1;
  list.splice(index, 0, failure);
}
