import type {
  FoldedItem,
  IncidentSnapshot,
  IncidentWithEvidence,
  Notification,
  SecurityEvent,
} from '@bulwark/schemas';
import type { Content } from '../port.js';
import {
  EVIDENCE_HEADERS,
  escapeHtml,
  evidenceColumns,
  formatLocal,
  formatUtc,
  keyText,
  severityCounts,
} from './format.js';
import type { Links } from './links.js';

export interface EmailContext {
  links: Links;
  /** Zone for times shown to people. */
  timezone: string;
  nowMs: number;
  /** The incident as stored now, with its evidence; null for summaries or when it is gone. */
  incident: IncidentWithEvidence | null;
}

/** Most evidence lines an email shows (the newest). */
export const EVIDENCE_ROWS = 20;

interface Facts {
  id: string;
  severity: string;
  kind: string;
  key: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  summary: string;
  status: string | null;
}

function factsOf(notification: Notification, snapshot: IncidentSnapshot | null, ctx: EmailContext): Facts {
  const live = ctx.incident;
  return {
    id: notification.incident_id,
    severity: live?.severity ?? notification.severity,
    kind: live?.kind ?? snapshot?.kind ?? '',
    key: keyText(live?.key ?? snapshot?.key ?? null),
    count: live?.count ?? snapshot?.count ?? 0,
    firstSeen: live?.first_seen ?? snapshot?.first_seen ?? '',
    lastSeen: live?.last_seen ?? snapshot?.last_seen ?? '',
    summary: live?.summary ?? snapshot?.summary ?? notification.body,
    status: live?.status ?? null,
  };
}

function html(title: string, inner: string): string {
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title></head>`,
    '<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#222">',
    inner,
    '</body></html>',
  ].join('\n');
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = 'style="border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top"';
  return [
    '<table style="border-collapse:collapse;font-size:13px">',
    `<tr>${headers.map((h) => `<th ${cell}>${escapeHtml(h)}</th>`).join('')}</tr>`,
    ...rows.map((row) => `<tr>${row.map((value) => `<td ${cell}>${escapeHtml(value)}</td>`).join('')}</tr>`),
    '</table>',
  ].join('\n');
}

function factRows(facts: Facts, url: string): [string, string][] {
  return [
    ['Severity', facts.severity],
    ['Kind', facts.kind],
    ['Key', facts.key],
    ['Events', String(facts.count)],
    ['First seen', formatUtc(facts.firstSeen)],
    ['Last seen', formatUtc(facts.lastSeen)],
    ...(facts.status ? ([['Status', facts.status]] as [string, string][]) : []),
    ['Incident', url],
  ];
}

function factsText(rows: [string, string][]): string {
  return rows.map(([name, value]) => `${`${name}:`.padEnd(12)}${value}`).join('\n');
}

function factsHtml(rows: [string, string][], url: string): string {
  const cell = 'style="padding:2px 12px 2px 0;vertical-align:top"';
  return [
    '<table style="border-collapse:collapse">',
    ...rows.map(([name, value]) => {
      const shown =
        name === 'Incident' ? `<a href="${escapeHtml(url)}">${escapeHtml(value)}</a>` : escapeHtml(value);
      return `<tr><td ${cell}><b>${escapeHtml(name)}</b></td><td ${cell}>${shown}</td></tr>`;
    }),
    '</table>',
  ].join('\n');
}

function newestEvidence(incident: IncidentWithEvidence | null): SecurityEvent[] {
  if (!incident) return [];
  return [...incident.evidence_events]
    .sort((a, b) => Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']))
    .slice(0, EVIDENCE_ROWS);
}

function evidenceBlock(incident: IncidentWithEvidence | null, count: number): { text: string; html: string } {
  const events = newestEvidence(incident);
  if (events.length === 0) return { text: '', html: '' };
  const title = `Evidence (newest ${events.length} of ${count} event${count === 1 ? '' : 's'})`;
  const rows = events.map(evidenceColumns);
  return {
    text: [title, ...rows.map((row) => row.filter((value) => value !== '').join('  '))].join('\n'),
    html: `<h3 style="font-size:14px">${escapeHtml(title)}</h3>\n${table(EVIDENCE_HEADERS, rows)}`,
  };
}

function incidentEmail(
  notification: Notification,
  snapshot: IncidentSnapshot | null,
  ctx: EmailContext,
): Content {
  const facts = factsOf(notification, snapshot, ctx);
  const url = ctx.links.incidentUrl(facts.id);
  const rows = factRows(facts, url);
  const evidence = evidenceBlock(ctx.incident, facts.count);
  const subject = `[${facts.severity}] ${facts.kind} ${facts.key} (${facts.count} event${facts.count === 1 ? '' : 's'})`;
  return {
    subject,
    text: [facts.summary, '', factsText(rows), ...(evidence.text ? ['', evidence.text] : [])].join('\n'),
    html: html(
      subject,
      [`<p>${escapeHtml(facts.summary)}</p>`, factsHtml(rows, url), evidence.html].filter(Boolean).join('\n'),
    ),
  };
}

function userReportEmail(
  notification: Notification,
  payload: { incident: IncidentSnapshot; user: string; reported_at: string },
  ctx: EmailContext,
): Content {
  const facts = factsOf(notification, payload.incident, ctx);
  const url = ctx.links.incidentUrl(facts.id);
  const rows = factRows(facts, url);
  const evidence = evidenceBlock(ctx.incident, facts.count);
  const lead = `${payload.user} reported at ${formatUtc(payload.reported_at)} that this sign-in was not them. The incident is now ${facts.severity}.`;
  const subject = `[${facts.severity}] ${payload.user} says "this wasn't me": ${facts.kind}`;
  return {
    subject,
    text: [lead, '', facts.summary, '', factsText(rows), ...(evidence.text ? ['', evidence.text] : [])].join(
      '\n',
    ),
    html: html(
      subject,
      [
        `<p><b>${escapeHtml(lead)}</b></p>`,
        `<p>${escapeHtml(facts.summary)}</p>`,
        factsHtml(rows, url),
        evidence.html,
      ]
        .filter(Boolean)
        .join('\n'),
    ),
  };
}

/** The user's own logins that made the incident, newest first: where and when. */
function loginsOf(incident: IncidentWithEvidence | null, user: string): SecurityEvent[] {
  if (!incident) return [];
  return incident.evidence_events
    .filter(
      (event) =>
        event['user.name'] === user &&
        (event['bulwark.category'] === 'successful_login' || event['event.outcome'] === 'success'),
    )
    .sort((a, b) => Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']))
    .slice(0, 5);
}

function affectedUserEmail(
  notification: Notification,
  payload: { incident: IncidentSnapshot; user: string },
  ctx: EmailContext,
): Content {
  const logins = loginsOf(ctx.incident, payload.user);
  const details: [string, string][][] = logins.length
    ? logins.map((event) => [
        ['When', formatLocal(event['@timestamp'], ctx.timezone)],
        ['Address', event['source.ip'] ?? 'unknown'],
        ...(event['user_agent.original']
          ? ([['Device', event['user_agent.original']]] as [string, string][])
          : []),
        ['Service', [event['event.dataset'], event['host.name']].filter(Boolean).join(' on ')],
      ])
    : [
        [
          ['When', formatLocal(payload.incident.last_seen, ctx.timezone)],
          ['Address', payload.incident.key['source.ip'] ?? 'unknown'],
        ],
      ];
  const report = ctx.links.reportUrl(notification.incident_id, ctx.nowMs);
  const firstAddress = details[0]?.find(([name]) => name === 'Address')?.[1] ?? 'a new address';
  const subject = `New sign-in to your account from ${firstAddress}`;
  const intro = `Hello ${payload.user}, your account signed in from an address we had not seen for you before:`;
  const ifYou = 'If this was you, there is nothing to do.';
  const ifNot = report
    ? `If it wasn't you, tell us with this link (valid until ${formatLocal(report.expiresAtMs, ctx.timezone)}), then change your password:`
    : "If it wasn't you, contact your security team and change your password.";
  const text = [
    intro,
    '',
    ...details.map((rows) => rows.map(([name, value]) => `  ${`${name}:`.padEnd(9)}${value}`).join('\n')),
    '',
    ifYou,
    ifNot,
    ...(report ? [report.url] : []),
  ].join('\n');
  const detailHtml = details
    .map(
      (rows) =>
        `<ul>${rows.map(([name, value]) => `<li><b>${escapeHtml(name)}:</b> ${escapeHtml(value)}</li>`).join('')}</ul>`,
    )
    .join('\n');
  const button = report
    ? `<p><a href="${escapeHtml(report.url)}" style="background:#b00020;color:#fff;padding:8px 14px;text-decoration:none;border-radius:4px">This wasn't me</a></p>`
    : '';
  return {
    subject,
    text,
    html: html(
      subject,
      [
        `<p>${escapeHtml(intro)}</p>`,
        detailHtml,
        `<p>${escapeHtml(ifYou)}</p>`,
        `<p>${escapeHtml(ifNot)}</p>`,
        button,
      ]
        .filter(Boolean)
        .join('\n'),
    ),
  };
}

function summaryEmail(
  notification: Notification,
  payload: { reason: 'rate_limit' | 'digest'; items: FoldedItem[] },
  ctx: EmailContext,
): Content {
  const count = payload.items.length;
  const counts = severityCounts(payload.items.map((item) => item.severity));
  const subject =
    payload.reason === 'digest'
      ? `Bulwark digest: ${count} incident${count === 1 ? '' : 's'} (${counts})`
      : `[${notification.severity}] ${count} more incident notification${count === 1 ? '' : 's'} (${counts})`;
  const lead =
    payload.reason === 'digest'
      ? `The incidents of the day, as of ${formatLocal(ctx.nowMs, ctx.timezone)}.`
      : `The notification rate limit for this address was reached; these are sent together instead of one by one.`;
  const rows = payload.items.map((item) => [
    item.severity,
    item.kind ?? '',
    keyText(item.key),
    item.count === null ? '' : String(item.count),
    item.summary,
    ctx.links.incidentUrl(item.incident_id),
  ]);
  const headers = ['severity', 'kind', 'key', 'events', 'summary', 'incident'];
  return {
    subject,
    text: [lead, '', ...rows.map((row) => row.filter((value) => value !== '').join('  '))].join('\n'),
    html: html(subject, `<p>${escapeHtml(lead)}</p>\n${table(headers, rows)}`),
  };
}

/**
 * The email for a notification: subject, text and HTML. Incidents show their summary, severity,
 * key, counts, the newest evidence as a table and a link; the affected user sees where and when
 * they signed in and a "this wasn't me" link; summaries list what they carry.
 */
export function renderEmail(notification: Notification, ctx: EmailContext): Content {
  const payload = notification.payload;
  switch (payload?.template) {
    case 'affected_user':
      return affectedUserEmail(notification, payload, ctx);
    case 'user_report':
      return userReportEmail(notification, payload, ctx);
    case 'summary':
      return summaryEmail(notification, payload, ctx);
    case 'incident':
      return incidentEmail(notification, payload.incident, ctx);
    default:
      return incidentEmail(notification, null, ctx);
  }
}
