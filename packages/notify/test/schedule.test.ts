import { type DeliveryRules, NO_DELIVERY_RULES, schedule, type Usage } from '@bulwark/notify';
import type { Notification, Severity } from '@bulwark/schemas';
import { describe, expect, it } from 'vitest';
import { incidentIdOf, notification } from './support/fixtures.js';

const NOW = Date.parse('2026-11-21T10:00:00Z');
const HOUR = 3_600_000;

function sms(n: number, severity: Severity = 'high', extra: Partial<Notification> = {}): Notification {
  return notification({
    id: `ntf_${String(n).padStart(24, '0')}`,
    incident_id: incidentIdOf(n),
    channel: 'sms',
    recipient: '+15551230001',
    severity,
    created_at: new Date(NOW - 60_000 + n).toISOString(),
    ...extra,
  });
}

const limited: DeliveryRules = {
  holdUntil: () => null,
  limit: (channel) => (channel === 'sms' ? { max: 3, perMs: HOUR } : undefined),
};

const usage =
  (count: number, oldestMs: number | null = null) =>
  (): Usage => ({ count, oldestMs });

describe('schedule', () => {
  it('sends everything when there is no limit', () => {
    const due = [sms(1), sms(2), sms(3), sms(4)];
    const plan = schedule(due, { nowMs: NOW, rules: NO_DELIVERY_RULES, usage: usage(0) });
    expect(plan).toEqual({ folds: [], defer: [], send: due });
  });

  it('sends up to the limit one by one and folds the overflow into one summary in the last slot', () => {
    const due = [sms(1), sms(2, 'critical'), sms(3), sms(4), sms(5, 'low')];
    const plan = schedule(due, { nowMs: NOW, rules: limited, usage: usage(0) });
    expect(plan.send.map((n) => n.id)).toEqual([due[1]?.id, due[0]?.id, plan.folds[0]?.summary.id]);
    expect(plan.folds).toHaveLength(1);
    expect(plan.folds[0]?.members.map((n) => n.id)).toEqual([due[2]?.id, due[3]?.id, due[4]?.id]);
    expect(plan.folds[0]?.summary).toMatchObject({
      channel: 'sms',
      recipient: '+15551230001',
      severity: 'high',
      incident_id: '',
      payload: { template: 'summary', reason: 'rate_limit' },
    });
  });

  it('defers everything until the window frees a slot when the limit is used up', () => {
    const due = [sms(1), sms(2)];
    const oldest = NOW - 20 * 60_000;
    const plan = schedule(due, { nowMs: NOW, rules: limited, usage: usage(3, oldest) });
    expect(plan.send).toEqual([]);
    expect(plan.defer.map((d) => [d.id, d.untilMs])).toEqual([
      [due[0]?.id, oldest + HOUR],
      [due[1]?.id, oldest + HOUR],
    ]);
  });

  it('folds everything waiting into one summary when one slot is left', () => {
    const due = [sms(1), sms(2), sms(3)];
    const plan = schedule(due, { nowMs: NOW, rules: limited, usage: usage(2, NOW - 1000) });
    expect(plan.send).toHaveLength(1);
    expect(plan.send[0]?.payload).toMatchObject({ template: 'summary', items: [{}, {}, {}] });
  });

  it('never folds a row in doubt, a summary or an affected user email', () => {
    const summary = sms(9, 'high', { payload: { template: 'summary', reason: 'rate_limit', items: [] } });
    const doubtful = sms(8, 'low', { in_doubt: true });
    const plan = schedule([sms(1), sms(2), summary, doubtful], {
      nowMs: NOW,
      rules: limited,
      usage: usage(1, NOW),
    });
    expect(plan.send.map((n) => n.id)).toEqual([summary.id, doubtful.id]);
    expect(plan.defer.map((d) => d.id)).toEqual([sms(1).id, sms(2).id]);
  });

  it('folds a due digest into one summary per recipient and digest', () => {
    const key = 'digest@2026-11-21T07:00:00.000Z';
    const rows = [1, 2, 3].map((n) =>
      notification({ id: `ntf_d${n}`, incident_id: incidentIdOf(n), severity: 'low', fold_key: key }),
    );
    const other = notification({
      id: 'ntf_d4',
      recipient: 'other@example.com',
      severity: 'low',
      fold_key: key,
    });
    const plan = schedule([...rows, other], { nowMs: NOW, rules: NO_DELIVERY_RULES, usage: usage(0) });
    expect(plan.folds.map((fold) => fold.members.length)).toEqual([3, 1]);
    expect(plan.send.map((n) => n.payload?.template)).toEqual(['summary', 'summary']);
    expect(plan.folds[0]?.summary.payload).toMatchObject({ reason: 'digest' });
  });

  it('defers what quiet hours hold back, before counting slots', () => {
    const rules: DeliveryRules = {
      holdUntil: (n) => (n.severity === 'critical' ? null : NOW + HOUR),
      limit: limited.limit,
    };
    const plan = schedule([sms(1), sms(2, 'critical')], { nowMs: NOW, rules, usage: usage(0) });
    expect(plan.send.map((n) => n.id)).toEqual([sms(2).id]);
    expect(plan.defer).toEqual([
      { id: sms(1).id, untilMs: NOW + HOUR, note: expect.stringContaining('quiet hours') },
    ]);
  });
});
