import {
  compareSeverity,
  type Incident,
  type IncidentKey,
  type IncidentKind,
  incidentId,
  type Severity,
} from '@bulwark/schemas';
import type { CompiledRule, Trigger } from './detectors/detector.js';
import { appendEvidence, shownEvidence, trimEvidence } from './evidence.js';
import type { IncidentChange } from './rule.js';
import type { RuleSpec } from './spec/schema.js';

/** Values of a summary field listed in an incident; more are counted, not kept. */
const LISTED_VALUES = 5;
const SEVERITIES: Severity[] = ['low', 'medium', 'high', 'critical'];

/** A rule's escalation (`CompiledRule.escalation`): severity, count pairs, flat, lowest first. */
export function escalationOf(escalate: RuleSpec['escalate']): (Severity | number)[] {
  const steps: (Severity | number)[] = [];
  for (const severity of SEVERITIES) {
    const at = escalate[severity];
    if (at !== undefined) steps.push(severity, at);
  }
  return steps;
}

/** One incident while it goes on: what the engine keeps per kind and key. */
export interface Episode {
  id: string;
  kind: IncidentKind;
  /** The key as the state maps hold it (values of `group_by`, joined). */
  keyText: string;
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
  /** Event time of the latest event whose absorbing was reported (see `Episodes` on held updates). */
  reported: number;
  /** Whether it absorbed events since its latest report that were held back. */
  held: boolean;
}

/** What happened to an incident during the current batch: reported once, at the end of it. */
interface Pending {
  type: IncidentChange['type'];
  episode: Episode;
  /** Severity when the batch began, for updates: a rise is what earns a new notification. */
  previousSeverity: Severity;
  /** Whether it opened in this batch (and so is reported as opened, even if it also closed). */
  opened: boolean;
}

interface Deadline {
  at: number;
  kind: string;
  key: string;
  id: string;
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
}

/** Incidents in progress and the recently closed (kind, key, last seen), in a snapshot. */
export interface EpisodesSnapshot {
  open: Episode[];
  closed: [kind: string, key: string, last: number][];
}

/** Told when an incident opens (or is loaded) and closes for a key: the engine counts them per key. */
export interface EpisodeListener {
  opened(key: IncidentKey, keyText: string): void;
  closed(key: IncidentKey, keyText: string): void;
}

/**
 * The incidents in progress, one per kind and key: opened by a rule's trigger, updated as matching
 * events arrive, closed once quiet for the `quiet` of the rules feeding them (in event time). Ids
 * are derived from kind, key and the episode's first event, so replay and live agree. Changes are
 * gathered during a batch and reported once per incident at its end (`flush`): an incident absorbing
 * thousands of events in a batch costs one change, not thousands.
 *
 * Held updates: with `updateEvery` > 0, an event that only adds to an incident (no rise in severity)
 * within `updateEvery` of event time after the latest reported one is absorbed but not reported; the
 * incident is then reported by its next change past that, its close, or `flushHeld` (the caller's
 * "caught up"). A storm from thousands of addresses then costs a change per incident per interval
 * rather than per batch. Openings, severity rises and closes are never held.
 */
export class Episodes {
  private readonly open = new Map<string, Map<string, Episode>>();
  /** When episodes recently closed, by kind and key, for rules that look back at incidents (`sequence`). */
  private readonly recentlyClosed = new Map<string, Map<string, number>>();
  private readonly deadlines = new DeadlineHeap();
  private readonly pending = new Map<string, Pending>();
  /** Episodes with held updates (some may have been reported or closed since: see `flushHeld`). */
  private held: Episode[] = [];
  private count = 0;

  constructor(
    private readonly listener: EpisodeListener,
    private readonly updateEvery = 0,
  ) {}

  private byKind(kind: string): Map<string, Episode> {
    let map = this.open.get(kind);
    if (map === undefined) {
      map = new Map();
      this.open.set(kind, map);
    }
    return map;
  }

  /** The incident of `kind` open for `key` at time `t`, if any; one quiet since before `t` closes now. */
  openFor(kind: string, key: string, t: number): Episode | undefined {
    const episode = this.open.get(kind)?.get(key);
    if (episode === undefined) return undefined;
    if (t > episode.last + episode.quiet) {
      this.close(episode);
      return undefined;
    }
    return episode;
  }

  /** Whether an incident of `kind` was open for `key` at any time since `since`. */
  seen(kind: string, key: string, since: number): boolean {
    if (this.open.get(kind)?.has(key)) return true;
    const closed = this.recentlyClosed.get(kind)?.get(key);
    return closed !== undefined && closed >= since;
  }

  openWith(
    rule: CompiledRule,
    key: string,
    keyFields: IncidentKey,
    trigger: Trigger,
    values: readonly (string | undefined)[],
  ): void {
    const spec = rule.spec;
    const episode: Episode = {
      id: incidentId(spec.kind, keyFields, trigger.first),
      kind: spec.kind,
      keyText: key,
      key: keyFields,
      rule: spec.name,
      first: trigger.first,
      last: trigger.first,
      count: 0,
      severity: trigger.severity ?? spec.severity,
      quiet: spec.quiet,
      evidence: [],
      values: {},
      lastEvent: '',
      reported: trigger.first,
      held: false,
      ...(spec.summary === undefined ? {} : { summary: spec.summary }),
    };
    for (const ref of trigger.events) this.record(episode, ref.t, ref.id);
    if (trigger.last !== undefined && trigger.last > episode.last) episode.last = trigger.last;
    episode.reported = episode.last;
    this.note(episode, rule, values);
    episode.count = Math.max(trigger.count, trigger.events.length);
    this.escalate(episode, rule);
    this.byKind(spec.kind).set(key, episode);
    this.count += 1;
    this.listener.opened(keyFields, key);
    this.recentlyClosed.get(spec.kind)?.delete(key);
    this.deadlines.push({ at: episode.last + episode.quiet, kind: spec.kind, key, id: episode.id });
    this.pending.set(episode.id, {
      type: 'opened',
      episode,
      previousSeverity: episode.severity,
      opened: true,
    });
  }

  /**
   * Adds an event (its time `t` and id) to `episode` (from `openFor`); `values`: its values of the
   * rule's summary fields, read now and not kept.
   */
  absorb(
    episode: Episode,
    rule: CompiledRule,
    t: number,
    id: string,
    values: readonly (string | undefined)[],
  ): void {
    if (episode.lastEvent === id) return;
    const before = episode.severity;
    this.record(episode, t, id);
    this.note(episode, rule, values);
    episode.count += 1;
    if (rule.spec.quiet > episode.quiet) episode.quiet = rule.spec.quiet;
    this.escalate(episode, rule);
    if (this.pending.has(episode.id)) return;
    if (episode.severity === before && t - episode.reported < this.updateEvery) {
      if (!episode.held) {
        episode.held = true;
        this.held.push(episode);
        // Reported and closed ones linger in the list until a flush; never let them pile up.
        if (this.held.length > 2 * this.count + 1024) this.held = this.held.filter((e) => e.held);
      }
      return;
    }
    episode.reported = t;
    episode.held = false;
    this.pending.set(episode.id, { type: 'updated', episode, previousSeverity: before, opened: false });
  }

  /** Reports every held update (see the class comment): the caller has no more events for now. */
  flushHeld(out: IncidentChange[]): void {
    for (const episode of this.held) {
      if (!episode.held) continue;
      episode.held = false;
      episode.reported = episode.last;
      if (this.pending.has(episode.id) || this.open.get(episode.kind)?.get(episode.keyText) !== episode)
        continue;
      out.push({ type: 'updated', incident: toIncident(episode), previousSeverity: episode.severity });
    }
    this.held = [];
  }

  /** Closes every episode quiet since before `watermark`. */
  closeDue(watermark: number): void {
    for (;;) {
      const next = this.deadlines.peek();
      if (!next || next.at >= watermark) return;
      this.deadlines.pop();
      const episode = this.open.get(next.kind)?.get(next.key);
      if (episode === undefined || episode.id !== next.id) continue;
      const due = episode.last + episode.quiet;
      // Deadlines are not moved as episodes absorb events; a stale one is put back at the real time.
      if (due >= watermark) this.deadlines.push({ ...next, at: due });
      else this.close(episode);
    }
  }

  /** Reports what changed since the last flush, one change per incident, in order of first change. */
  flush(out: IncidentChange[]): void {
    for (const { type, episode, previousSeverity, opened } of this.pending.values()) {
      const incident = toIncident(episode);
      if (opened) out.push({ type: 'opened', incident });
      else if (type === 'updated') out.push({ type, incident, previousSeverity });
      if (type === 'closed') out.push({ type, incident: { ...incident, status: 'resolved' } });
    }
    this.pending.clear();
  }

  private close(episode: Episode): void {
    this.open.get(episode.kind)?.delete(episode.keyText);
    episode.held = false;
    this.count -= 1;
    this.listener.closed(episode.key, episode.keyText);
    let closed = this.recentlyClosed.get(episode.kind);
    if (closed === undefined) {
      closed = new Map();
      this.recentlyClosed.set(episode.kind, closed);
    }
    closed.set(episode.keyText, episode.last);
    const pending = this.pending.get(episode.id);
    this.pending.set(episode.id, {
      type: 'closed',
      episode,
      previousSeverity: pending?.previousSeverity ?? episode.severity,
      opened: pending?.opened ?? false,
    });
  }

  private record(episode: Episode, t: number, id: string): void {
    if (t < episode.first) episode.first = t;
    if (t > episode.last) episode.last = t;
    appendEvidence(episode.evidence, id);
    episode.lastEvent = id;
  }

  /** Lists an event's values of the summary fields, as far as LISTED_VALUES. */
  private note(episode: Episode, rule: CompiledRule, values: readonly (string | undefined)[]): void {
    const fields = rule.summaryFields;
    for (let index = 0; index < fields.length; index += 1) {
      const value = values[index];
      if (value === undefined) continue;
      const field = fields[index] as string;
      let list = episode.values[field];
      if (list === undefined) {
        list = { listed: [], more: 0 };
        episode.values[field] = list;
      }
      if (list.listed.includes(value)) continue;
      if (list.listed.length < LISTED_VALUES) list.listed.push(value);
      else list.more += 1;
    }
  }

  private escalate(episode: Episode, rule: CompiledRule): void {
    const steps = rule.escalation;
    for (let i = 0; i < steps.length; i += 2) {
      const severity = steps[i] as Severity;
      if (episode.count >= (steps[i + 1] as number) && compareSeverity(severity, episode.severity) > 0) {
        episode.severity = severity;
      }
    }
  }

  /** Forgets what sequence rules could still look back at, once older than `before`. */
  sweep(before: number): void {
    for (const closed of this.recentlyClosed.values()) {
      for (const [key, last] of closed) if (last < before) closed.delete(key);
    }
  }

  /** The incidents in progress and the recently closed, for a snapshot (plain JSON). */
  snapshot(): EpisodesSnapshot {
    const open: Episode[] = [];
    for (const map of this.open.values())
      for (const episode of map.values()) {
        trimEvidence(episode.evidence);
        open.push(episode);
      }
    const closed: EpisodesSnapshot['closed'] = [];
    for (const [kind, map] of this.recentlyClosed)
      for (const [key, last] of map) closed.push([kind, key, last]);
    return { open, closed };
  }

  /** Takes back a snapshot's incidents, into episodes that have none. */
  restore(snapshot: EpisodesSnapshot): void {
    for (const episode of snapshot.open) {
      const open = this.byKind(episode.kind);
      if (open.has(episode.keyText)) continue;
      // Snapshots from before held updates lack these two.
      episode.reported ??= episode.last;
      episode.held ??= false;
      if (episode.held) this.held.push(episode);
      open.set(episode.keyText, episode);
      this.count += 1;
      this.listener.opened(episode.key, episode.keyText);
      this.deadlines.push({
        at: episode.last + episode.quiet,
        kind: episode.kind,
        key: episode.keyText,
        id: episode.id,
      });
    }
    for (const [kind, key, last] of snapshot.closed) {
      let map = this.recentlyClosed.get(kind);
      if (map === undefined) {
        map = new Map();
        this.recentlyClosed.set(kind, map);
      }
      map.set(key, last);
    }
  }

  size(): number {
    return this.count;
  }
}

/** A summary template cut into text and the names in braces (odd indexes), once per template. */
const compiled = new Map<string, string[]>();

function partsOf(template: string): string[] {
  let parts = compiled.get(template);
  if (parts === undefined) {
    parts = template.split(/\{([\w.@]+)\}/);
    if (compiled.size < 1000) compiled.set(template, parts);
  }
  return parts;
}

function render(episode: Episode): string {
  const template = episode.summary ?? `{count} ${episode.kind.replace(/_/g, ' ')} events for {key}`;
  const parts = partsOf(template);
  let text = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    text += fill(episode, parts[i] as string) + (parts[i + 1] as string);
  }
  return text;
}

/** The value of `{name}` in a summary. */
function fill(episode: Episode, name: string): string {
  if (name === 'count') return String(episode.count);
  if (name === 'key') return Object.values(episode.key).join(' ');
  if (name === 'first_seen') return new Date(episode.first).toISOString();
  if (name === 'last_seen') return new Date(episode.last).toISOString();
  const values = episode.values[name];
  if (values) return values.listed.join(', ') + (values.more > 0 ? ` and ${values.more} more` : '');
  return episode.key[name] ?? `{${name}}`;
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
    evidence: shownEvidence(episode.evidence),
  };
}
