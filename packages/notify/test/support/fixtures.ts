import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Incident, Notification, SecurityEvent } from '@bulwark/schemas';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const LINK_SECRET = 'link-secret-for-tests-0123456789abcdef';
export const SILENT = { info: () => {}, warn: () => {}, error: () => {} };

const dirs: string[] = [];

/** A temporary directory removed by `removeTempDirs`. */
export function tempDir(prefix = 'bulwark-notify-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A stable incident id from a number: `inc_` and 24 hex digits. */
export function incidentIdOf(n: number): string {
  return `inc_${n.toString(16).padStart(24, '0')}`;
}

export function incident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: incidentIdOf(1),
    kind: 'brute_force',
    severity: 'high',
    status: 'open',
    key: { 'source.ip': '203.0.113.7' },
    first_seen: '2026-11-21T10:00:00.000Z',
    last_seen: '2026-11-21T10:05:12.000Z',
    count: 152,
    summary: '152 failed logins from 203.0.113.7 in 5 minutes',
    rule: 'brute_force',
    evidence: ['ev-1', 'ev-2'],
    ...overrides,
  };
}

export function event(id: string, overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    '@timestamp': '2026-11-21T10:05:12.000Z',
    'event.id': id,
    'event.dataset': 'sshd',
    'event.action': 'ssh_login',
    'event.outcome': 'failure',
    'bulwark.category': 'failed_login',
    'source.ip': '203.0.113.7',
    'user.name': 'root',
    message: `Nov 21 10:05:12 web-1 sshd[42]: Failed password for root from 203.0.113.7 port 50022 ssh2 (${id})`,
    ...overrides,
  };
}

/** A pending outbox row as the planner would make it. */
export function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    id: 'ntf_000000000000000000000001',
    incident_id: incidentIdOf(1),
    channel: 'email',
    recipient: 'security@example.com',
    severity: 'high',
    subject: '[high] brute_force source.ip=203.0.113.7',
    body: 'body',
    status: 'pending',
    attempts: 0,
    last_error: null,
    created_at: '2026-11-21T10:06:00.000Z',
    sent_at: null,
    payload: {
      template: 'incident',
      incident: {
        kind: 'brute_force',
        key: { 'source.ip': '203.0.113.7' },
        count: 152,
        summary: '152 failed logins from 203.0.113.7 in 5 minutes',
        first_seen: '2026-11-21T10:00:00.000Z',
        last_seen: '2026-11-21T10:05:12.000Z',
      },
    },
    ...overrides,
  };
}
