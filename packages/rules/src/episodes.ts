import {
  compareSeverity,
  type Incident,
  type IncidentKey,
  type IncidentKind,
  incidentId,
  type Severity,
} from '@bulwark/schemas';
import type { CompiledRule, EventRef, Trigger } from './detectors/detector.js';
import { appendEvidence } from './evidence.js';
import type { IncidentChange } from './rule.js';

/** Values of a summary field listed in an incident; more are counted, not kept. */
const LISTED_VALUES = 5;

/** One incident while it goes on: what the engine keeps per kind and key. */
interface Episode {
  id: string;
  kind: IncidentKind;
  key: IncidentKey;
  /** The rule that opened it. */
  rule: string;
  first: number;
  last: number;
  count: number;
  severity: Severity;
  quiet: number;
  evidence: string[];
  /** Distinct values of the summary fields seen in its events, and how many more there were. */
  values: Record<string, { listed: string[]; more: number }>;
  summary?: string;
  /** The last event absorbed: an event matching two rules of one kind counts once. */
  lastEvent: string;
}

interface Deadline {
  at: number;
  slot: string;
}

/** A binary min-heap of deadlines: closing due episodes costs log n, not a scan of them all. */
class DeadlineHeap {
  private readonly items: Deadline[] = [];

  push(item: Deadline): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((items[parent] as Deadline).at <= item.at) break;
      items[i] = items[parent] as Deadline;
      i = parent;
    }
    items[i] = item;
  }

  peek(): Deadline | undefined {
    return this.items[0];
  }

  pop(): Deadline | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let child = left;
      if (right < items.length && (items[right] as Deadline).at < (items[left] as Deadline).at) child = right;
      if (child >= items.length || (items[child] as Deadline).at >= last.at) break;
      items[i] = items[child] as Deadline;
      i = child;
    }
    items[i] = last;
    return top;
  }

  get size(): number {
    return this.items.length;
  }
}

const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];

function slotOf(kind: string, key: string): string {
  return `${kind}\u0000${key}`;
}

/**
 * The incidents in progress, one per kind and key: opened by a rule's trigger, updated as matching
 * events arrive, closed once quiet for the `quiet` of the rules feeding them (in event time). Ids
 * are derived from kind, key and the episode's first event, so replay and live agree.
 */
export class Episodes {
  private readonly open = new Map<string, Episode>();
  /** When episodes recently closed, for rules that look back at incidents (`sequence`). */
  private readonly recentlyClosed = new Map<string, number>();
  private readonly deadlines = new DeadlineHeap();
  private readonly dirty = new Set<string>();

  /** The open episode of `kind` for `key` at time `t`, closing it first if it went quiet before `t`. */
  get(kind: string, key: string, t: number, out: IncidentChange[]): Episode | undefined {
    const slot = slotOf(kind, key);
    const episode = this.open.get(slot);
    if (episode && t > episode.last + episode.quiet) {
      this.close(slot, episode, out);
      return undefined;
    }
    return episode;
  }

  /** Whether an incident of `kind` was open for `key` at any time since `since`. */
  seen(kind: string, key: string, since: number): boolean {
    const slot = slotOf(kind, key);
    if (this.open.has(slot)) return true;
    const closed = this.recentlyClosed.get(slot);
    return closed !== undefined && closed >= since;
  }

  openWith(
    rule: CompiledRule,
    key: string,
    keyFields: IncidentKey,
    trigger: Trigger,
    out: IncidentChange[],
  ): void {
    const spec = rule.spec;
    const first = trigger.events[0] as EventRef;
    const episode: Episode = {
      id: incidentId(spec.kind, keyFields, first.t),
      kind: spec.kind,
      key: keyFields,
      rule: spec.name,
      first: first.t,
      last: first.t,
      count: 0,
      severity: trigger.severity ?? spec.severity,
      quiet: spec.quiet,
      evidence: [],
      values: {},
      lastEvent: '',
      ...(spec.summary === undefined ? {} : { summary: spec.summary }),
    };
    for (const ref of trigger.events) this.record(episode, rule, ref);
    episode.count = Math.max(trigger.count, trigger.events.length);
    this.escalate(episode, rule);
    const slot = slotOf(spec.kind, key);
    this.open.set(slot, episode);
    this.recentlyClosed.delete(slot);
    this.deadlines.push({ at: episode.last + episode.quiet, slot });
    this.dirty.add(slot);
    out.push({ type: 'opened', incident: toIncident(episode) });
  }

  absorb(rule: CompiledRule, key: string, ref: EventRef, out: IncidentChange[]): void {
    const slot = slotOf(rule.spec.kind, key);
    const episode = this.open.get(slot);
    if (!episode || episode.lastEvent === ref.id) return;
    const previousSeverity = episode.severity;
    const previousDeadline = episode.last + episode.quiet;
    this.record(episode, rule, ref);
    episode.count += 1;
    if (rule.spec.quiet > episode.quiet) episode.quiet = rule.spec.quiet;
    this.escalate(episode, rule);
    if (episode.last + episode.quiet > previousDeadline) {
      this.deadlines.push({ at: episode.last + episode.quiet, slot });
    }
    this.dirty.add(slot);
    out.push({ type: 'updated', incident: toIncident(episode), previousSeverity });
  }

  /** Closes every episode quiet since before `watermark`. */
  closeDue(watermark: number, out: IncidentChange[]): void {
    for (;;) {
      const next = this.deadlines.peek();
      if (!next || next.at >= watermark) return;
      this.deadlines.pop();
      const episode = this.open.get(next.slot);
      // Deadlines move as episodes absorb events; only the current one closes.
      if (episode && episode.last + episode.quiet === next.at) this.close(next.slot, episode, out);
    }
  }

  private close(slot: string, episode: Episode, out: IncidentChange[]): void {
    this.open.delete(slot);
    this.recentlyClosed.set(slot, episode.last);
    this.dirty.add(slot);
    out.push({ type: 'closed', incident: { ...toIncident(episode), status: 'resolved' } });
  }

  private record(episode: Episode, rule: CompiledRule, ref: EventRef): void {
    if (ref.t < episode.first) episode.first = ref.t;
    if (ref.t > episode.last) episode.last = ref.t;
    episode.evidence = appendEvidence(episode.evidence, ref.id);
    episode.lastEvent = ref.id;
    rule.summaryFields.forEach((field, index) => {
      const value = ref.values?.[index];
      if (value === undefined) return;
      const list = episode.values[field] ?? { listed: [], more: 0 };
      episode.values[field] = list;
      if (list.listed.includes(value)) return;
      if (list.listed.length < LISTED_VALUES) list.listed.push(value);
      else list.more += 1;
    });
  }

  private escalate(episode: Episode, rule: CompiledRule): void {
    for (const severity of SEVERITIES) {
      const at = rule.spec.escalate[severity];
      if (at !== undefined && episode.count >= at && compareSeverity(severity, episode.severity) > 0) {
        episode.severity = severity;
      }
    }
  }

  /** Forgets what sequence rules could still look back at, once older than `before`. */
  sweep(before: number): void {
    for (const [slot, last] of this.recentlyClosed) if (last < before) this.recentlyClosed.delete(slot);
  }

  takeDirty(): { key: string; state: unknown }[] {
    const rows: { key: string; state: unknown }[] = [];
    for (const slot of this.dirty) rows.push({ key: slot, state: this.open.get(slot) ?? null });
    this.dirty.clear();
    return rows;
  }

  load(slot: string, state: unknown): void {
    const episode = state as Episode;
    this.open.set(slot, episode);
    this.deadlines.push({ at: episode.last + episode.quiet, slot });
  }

  size(): number {
    return this.open.size;
  }
}

function render(episode: Episode): string {
  const keyText = Object.values(episode.key).join(' ');
  const template = episode.summary ?? `{count} ${episode.kind.replace(/_/g, ' ')} events for {key}`;
  return template.replace(/\{([\w.@]+)\}/g, (whole, name: string) => {
    if (name === 'count') return String(episode.count);
    if (name === 'key') return keyText;
    if (name === 'first_seen') return new Date(episode.first).toISOString();
    if (name === 'last_seen') return new Date(episode.last).toISOString();
    const values = episode.values[name];
    if (values) return values.listed.join(', ') + (values.more > 0 ? ` and ${values.more} more` : '');
    const keyed = episode.key[name];
    return keyed ?? whole;
  });
}

function toIncident(episode: Episode): Incident {
  return {
    id: episode.id,
    kind: episode.kind,
    severity: episode.severity,
    status: 'open',
    key: episode.key,
    first_seen: new Date(episode.first).toISOString(),
    last_seen: new Date(episode.last).toISOString(),
    count: episode.count,
    summary: render(episode),
    rule: episode.rule,
    evidence: [...episode.evidence],
  };
}
