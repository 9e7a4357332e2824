import type { Channel, Notification } from '@bulwark/schemas';
import type { DeliveryRules, RateLimit } from '../delivery/rules.js';
import type { Route } from '../plan.js';
import { dailyWindowEnd } from '../time/zoned.js';
import type { NotifyPolicy } from './schema.js';

/** The routes planning uses: the policy's, digests in the policy's zone, plus the affected user's. */
export function routesOf(policy: NotifyPolicy): Route[] {
  const routes: Route[] = policy.routes.map((route) => ({
    channel: route.channel,
    recipients: route.to,
    ...(route.kinds ? { kinds: route.kinds } : {}),
    ...(route.severities ? { severities: route.severities } : {}),
    ...(route.digest ? { digest: { at: route.digest.at, timezone: policy.timezone } } : {}),
  }));
  if (policy.affected_user) {
    routes.push({
      channel: 'email',
      recipients: [],
      kinds: policy.affected_user.kinds,
      audience: 'affected_user',
    });
  }
  return routes;
}

/**
 * Quiet hours and rate limits as delivery rules. Quiet hours hold a notification on a listed
 * channel below the excepted severities until the window ends; a summary counts by its highest
 * severity.
 */
export function deliveryRulesOf(policy: NotifyPolicy): DeliveryRules {
  const quiet = policy.quiet_hours;
  const limits = new Map<Channel, RateLimit>();
  for (const [channel, limit] of Object.entries(policy.rate_limits)) {
    if (limit) limits.set(channel as Channel, { max: limit.max, perMs: limit.per });
  }
  return {
    holdUntil(notification: Notification, nowMs: number): number | null {
      if (!quiet?.channels.includes(notification.channel)) return null;
      if (quiet.except.includes(notification.severity)) return null;
      return dailyWindowEnd(nowMs, quiet.from, quiet.to, policy.timezone);
    },
    limit: (channel) => limits.get(channel),
  };
}
