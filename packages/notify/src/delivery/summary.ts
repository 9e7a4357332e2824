import { createHash } from 'node:crypto';
import { compareSeverity, type FoldedItem, type Notification } from '@bulwark/schemas';
import { formatKey } from '../plan.js';

function itemOf(member: Notification): FoldedItem {
  const payload = member.payload;
  const incident = payload && payload.template !== 'summary' ? payload.incident : null;
  return {
    id: member.id,
    incident_id: member.incident_id,
    severity: member.severity,
    kind: incident?.kind ?? null,
    key: incident?.key ?? null,
    count: incident?.count ?? null,
    summary: incident?.summary ?? member.subject,
  };
}

/**
 * One notification that carries several (same channel and recipient): a daily digest, or the
 * overflow of a rate limit. Its id is derived from its members, so folding the same set again gives
 * the same row. It belongs to no single incident (`incident_id` empty) and has the highest
 * severity of its members.
 */
export function summarize(
  members: readonly Notification[],
  reason: 'rate_limit' | 'digest',
  now: string,
): Notification {
  const first = members[0];
  if (!first) throw new Error('nothing to summarize');
  const severity = members.reduce(
    (highest, member) => (compareSeverity(member.severity, highest) > 0 ? member.severity : highest),
    first.severity,
  );
  const ids = members.map((member) => member.id).sort();
  const digest = createHash('sha256')
    .update(`summary\n${first.channel}\n${first.recipient}\n${reason}\n${ids.join('\n')}`)
    .digest('hex');
  const items = members.map(itemOf);
  const subject =
    reason === 'digest'
      ? `Bulwark digest: ${items.length} incidents`
      : `[${severity}] ${items.length} more incidents (rate limit)`;
  const body = items
    .map((item) =>
      `[${item.severity}] ${item.kind ?? ''} ${item.key ? formatKey(item.key) : ''} ${item.incident_id}`.replace(
        / +/g,
        ' ',
      ),
    )
    .join('\n');
  return {
    id: `ntf_${digest.slice(0, 24)}`,
    incident_id: '',
    channel: first.channel,
    recipient: first.recipient,
    severity,
    subject,
    body,
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: now,
    sent_at: null,
    payload: { template: 'summary', reason, items },
    next_attempt_at: now,
    fold_key: null,
  };
}
