import { BulwarkError, Errors } from '@bulwark/errors';
import { compareSeverity, type Incident, type Notification, type Severity } from '@bulwark/schemas';
import type { Store } from '@bulwark/store';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** Paths of the public links messages carry (the same as `@bulwark/notify`'s REPORT_PATH and SHORT_PATH). */
const REPORT_ROUTE = '/v1/report/:token';
const SHORT_ROUTE = '/i/:ref';

/**
 * What the route needs to check a link and to tell the security team: `@bulwark/notify`'s
 * `UserReports` (from `createNotify(...).reports`) has this shape.
 */
export interface ReportLinkReports {
  /** Severity a reported incident is raised to when it is lower. */
  readonly raiseTo: Severity;
  check(
    token: string,
    nowMs: number,
  ):
    | { ok: true; claims: { incidentId: string; expiresAtMs: number } }
    | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };
  /** The security team's notifications for the report; `incident` already raised. */
  plan(incident: Incident, report: { user: string; reportedAt: string }): Notification[];
}

export interface ReportLinkOptions {
  store: Store;
  reports: ReportLinkReports;
  /** Wall clock: link expiry and the report's time. */
  now?: () => number;
  /** Called after a new report was committed (wire it to the notify stage's `deliverDue`). */
  onReported?: () => void;
  /** Stricter limit for these public routes, applied by @fastify/rate-limit when the app has it. */
  rateLimit?: { max: number; timeWindow: number };
}

/** Turns an incident id into the short form the SMS carries, and back (`@bulwark/notify`'s shortRef). */
function incidentIdFromRef(ref: string): string | null {
  if (!/^~?[A-Za-z0-9_-]{1,200}$/.test(ref)) return null;
  if (ref.startsWith('~')) return Buffer.from(ref.slice(1), 'base64url').toString('utf8') || null;
  const bytes = Buffer.from(ref, 'base64url');
  return bytes.length === 12 ? `inc_${bytes.toString('hex')}` : null;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function page(title: string, inner: string): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:36em;margin:3em auto;padding:0 1em;color:#222}',
    'button{background:#b00020;color:#fff;border:0;padding:.6em 1.2em;font-size:1em;border-radius:4px;cursor:pointer}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>`,
    inner,
    '</body></html>',
  ].join('\n');
}

const PAGE_SECURITY =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return accept.includes('text/html');
}

function sendPage(reply: FastifyReply, status: number, title: string, inner: string): FastifyReply {
  return reply
    .code(status)
    .header('content-security-policy', PAGE_SECURITY)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(page(title, inner));
}

/** An answer that is a page for browsers and problem+json for everything else. */
function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  error: BulwarkError,
  title: string,
  text: string,
) {
  if (wantsHtml(request)) return sendPage(reply, error.status, title, `<p>${escapeHtml(text)}</p>`);
  throw error;
}

/**
 * The public side of the affected user's email, no API key needed:
 *
 * - `GET /v1/report/:token`: the "this wasn't me" link. Shows what is about to be reported and a
 *   button; it changes nothing, because mail scanners and link previews fetch links on their own.
 * - `POST /v1/report/:token`: the button. Marks the incident reported by the user, raises it to
 *   `reports.raiseTo` and queues the security team's notifications, in one store transaction.
 *   Idempotent: a second report changes nothing and gets the same answer.
 * - `GET /i/:ref`: the short incident links of SMS, redirected to `/v1/incidents/:id`.
 *
 * The user is the incident's `user.name`. A malformed, tampered or expired token is refused with 400 (an HTML page for browsers, problem+json otherwise); an unknown incident 404.
 * Mount after the problems plugin; the app's rate limiter applies, with `rateLimit` per route.
 */
export const reportLink: FastifyPluginAsync<ReportLinkOptions> = async (app, options) => {
  const now = options.now ?? Date.now;
  const limit = { max: options.rateLimit?.max ?? 20, timeWindow: options.rateLimit?.timeWindow ?? 60_000 };
  const routeOptions = { config: { rateLimit: limit } };

  // The confirmation form posts urlencoded; the token in the path is all that counts.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 1024 },
    (_request, _body, done) => done(null, {}),
  );

  async function checked(request: FastifyRequest<{ Params: { token: string } }>, reply: FastifyReply) {
    const result = options.reports.check(request.params.token, now());
    if (!result.ok) {
      const expired = result.reason === 'expired';
      const text = expired
        ? 'This link has expired. If a sign-in to your account was not you, contact your security team.'
        : 'This link is not valid. Copy the whole link from the email, or contact your security team.';
      refuse(
        request,
        reply,
        new BulwarkError(Errors.badRequest, text, { reason: expired ? 'expired' : 'invalid' }),
        expired ? 'Link expired' : 'Link not valid',
        text,
      );
      return null;
    }
    const incident = await options.store.getIncident(result.claims.incidentId);
    const user = incident?.key['user.name'];
    if (!incident || user === undefined) {
      const text = 'There is nothing to report with this link any more. Contact your security team.';
      refuse(request, reply, new BulwarkError(Errors.notFound, text), 'Nothing to report', text);
      return null;
    }
    const { evidence_events: _events, ...plain } = incident;
    return { user, incident: plain as Incident };
  }

  app.get<{ Params: { token: string } }>(REPORT_ROUTE, routeOptions, async (request, reply) => {
    const found = await checked(request, reply);
    if (!found) return reply;
    const report = await options.store.incidentReport(found.incident.id);
    if (!wantsHtml(request)) {
      return {
        incident_id: found.incident.id,
        user: found.user,
        reported: report !== null,
        reported_at: report?.reportedAt ?? null,
      };
    }
    if (report) {
      return sendPage(reply, 200, 'Already reported', '<p>Thank you: the security team has been told.</p>');
    }
    const when = found.incident.last_seen.slice(0, 16).replace('T', ' ');
    const address = found.incident.key['source.ip'];
    return sendPage(
      reply,
      200,
      'Was this sign-in not you?',
      [
        `<p>Account <b>${escapeHtml(found.user)}</b>, last seen ${escapeHtml(when)} UTC${
          address ? ` from ${escapeHtml(address)}` : ''
        }.</p>`,
        '<p>If you did not sign in, report it: the security team is told at once.</p>',
        `<form method="post" action="${escapeHtml(request.url.split('?')[0] as string)}"><button type="submit">This wasn't me</button></form>`,
      ].join('\n'),
    );
  });

  app.post<{ Params: { token: string } }>(REPORT_ROUTE, routeOptions, async (request, reply) => {
    const found = await checked(request, reply);
    if (!found) return reply;
    const reportedAt = new Date(now()).toISOString();
    const raised: Incident = {
      ...found.incident,
      severity: severityMax(found.incident.severity, options.reports.raiseTo),
    };
    const outcome = await options.store.reportIncident({
      incidentId: found.incident.id,
      reportedAt,
      reportedBy: found.user,
      raiseTo: options.reports.raiseTo,
      notifications: options.reports.plan(raised, { user: found.user, reportedAt }),
    });
    if (outcome.state === 'not_found') {
      return refuse(
        request,
        reply,
        new BulwarkError(Errors.notFound, 'no such incident'),
        'Nothing to report',
        'There is nothing to report with this link any more.',
      );
    }
    if (outcome.state === 'reported') options.onReported?.();
    if (wantsHtml(request)) {
      return sendPage(
        reply,
        200,
        'Thank you',
        '<p>We have told the security team. Please change your password now.</p>',
      );
    }
    return {
      incident_id: found.incident.id,
      user: outcome.reportedBy,
      reported: true,
      reported_at: outcome.reportedAt,
      already_reported: outcome.state === 'already_reported',
      severity: outcome.severity,
    };
  });

  app.get<{ Params: { ref: string } }>(SHORT_ROUTE, routeOptions, async (request, reply) => {
    const id = incidentIdFromRef(request.params.ref);
    if (!id) throw new BulwarkError(Errors.notFound, 'no such incident link');
    return reply.redirect(`/v1/incidents/${encodeURIComponent(id)}`, 302);
  });
};

function severityMax(a: Severity, b: Severity): Severity {
  return compareSeverity(a, b) >= 0 ? a : b;
}
