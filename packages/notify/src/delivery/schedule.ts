import { type Channel, compareSeverity, type Notification } from '@bulwark/schemas';
import { DIGEST_KEY, OVERFLOW_KEY } from './fold-keys.js';
import type { DeliveryRules } from './rules.js';
import { summarize } from './summary.js';

/** What a recipient was sent on a channel within the channel's rate-limit window. */
export interface Usage {
  count: number;
  /** When the oldest of those messages was attempted; null when there is none. */
  oldestMs: number | null;
}

export interface ScheduleContext {
  nowMs: number;
  rules: DeliveryRules;
  /** Usage in the window of `rules.limit(channel)`, for channels that have a limit. */
  usage(channel: Channel, recipient: string): Usage;
}

export interface Deferral {
  id: string;
  untilMs: number;
  note: string;
  /** Rows deferred with the same key are folded into one summary when due. */
  foldKey?: string;
}

export interface Fold {
  members: Notification[];
  /** The new row that carries them; it is also in `send` or `defer`. */
  summary: Notification;
}

/** What to do with the due notifications, in this order: fold, defer, send. */
export interface SchedulePlan {
  folds: Fold[];
  defer: Deferral[];
  send: Notification[];
}

/** Rows that must go as they are: summaries, an affected user's email, and anything in doubt. */
function foldable(notification: Notification): boolean {
  const template = notification.payload?.template ?? 'incident';
  return !notification.in_doubt && (template === 'incident' || template === 'user_report');
}

/** Most severe first, then oldest first. */
function byImportance(a: Notification, b: Notification): number {
  return (
    compareSeverity(b.severity, a.severity) ||
    a.created_at.localeCompare(b.created_at) ||
    a.id.localeCompare(b.id)
  );
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return groups;
}

/**
 * Decides, for notifications that are due, what goes now. Pure: everything it needs is given.
 *
 * 1. Rows with a fold key that are due are folded, per channel, recipient and key, into one
 *    summary each: a daily digest, or the overflow of a full rate-limit window (an overflow of one
 *    goes as it is).
 * 2. Quiet hours defer what they hold back to their end.
 * 3. Rate limits, per channel and recipient: with `free` slots left in the window, up to `free`
 *    rows go one by one; when more are waiting, `free - 1` go (most severe first) and the rest is
 *    folded into one summary that takes the last slot. With no slot free, everything waits until
 *    the oldest message in the window leaves it, under one overflow key, so that it then goes as
 *    one summary. Summaries, affected-user emails and rows in doubt are never folded; they take
 *    slots first.
 */
export function schedule(due: readonly Notification[], ctx: ScheduleContext): SchedulePlan {
  const plan: SchedulePlan = { folds: [], defer: [], send: [] };
  const now = new Date(ctx.nowMs).toISOString();
  const ready: Notification[] = [];

  const digests = groupBy(
    due.filter((n) => n.fold_key),
    (n) => `${n.channel}\n${n.recipient}\n${n.fold_key}`,
  );
  for (const members of digests.values()) {
    const reason = members[0]?.fold_key?.startsWith(DIGEST_KEY) ? 'digest' : 'rate_limit';
    if (reason === 'rate_limit' && members.length === 1) {
      ready.push(...members);
      continue;
    }
    const summary = summarize(members, reason, now);
    plan.folds.push({ members, summary });
    ready.push(summary);
  }
  ready.push(...due.filter((n) => !n.fold_key));

  const open: Notification[] = [];
  for (const notification of ready) {
    const until = ctx.rules.holdUntil(notification, ctx.nowMs);
    if (until === null) open.push(notification);
    else
      plan.defer.push({
        id: notification.id,
        untilMs: until,
        note: `held by quiet hours until ${new Date(until).toISOString()}`,
      });
  }

  for (const group of groupBy(open, (n) => `${n.channel}\n${n.recipient}`).values()) {
    const first = group[0] as Notification;
    const limit = ctx.rules.limit(first.channel);
    if (!limit) {
      plan.send.push(...group);
      continue;
    }
    const usage = ctx.usage(first.channel, first.recipient);
    let free = Math.max(0, limit.max - usage.count);
    const freeAt = Math.max(ctx.nowMs + 1, (usage.oldestMs ?? ctx.nowMs) + limit.perMs);
    const wait = (n: Notification) =>
      plan.defer.push({
        id: n.id,
        untilMs: freeAt,
        note: `held by the ${first.channel} rate limit (${limit.max} per ${Math.round(limit.perMs / 60_000)} min) until ${new Date(freeAt).toISOString()}`,
        ...(foldable(n) ? { foldKey: `${OVERFLOW_KEY}${new Date(freeAt).toISOString()}` } : {}),
      });
    const fixed = group.filter((n) => !foldable(n)).sort(byImportance);
    const rest = group.filter(foldable).sort(byImportance);
    for (const n of fixed) {
      if (free > 0) {
        plan.send.push(n);
        free -= 1;
      } else wait(n);
    }
    if (rest.length <= free) {
      plan.send.push(...rest);
      continue;
    }
    if (free === 0) {
      rest.forEach(wait);
      continue;
    }
    plan.send.push(...rest.slice(0, free - 1));
    const overflow = rest.slice(free - 1);
    const summary = summarize(overflow, 'rate_limit', now);
    plan.folds.push({ members: overflow, summary });
    plan.send.push(summary);
  }
  return plan;
}
