import { addressOf, login, note, withAddress } from '../fields.js';
import type { EventFields, ProgramParser, SyslogLine } from '../types.js';
import { SessionTable } from './session-table.js';

/** What one sshd process (one connection) has said so far; lines without an address borrow it. */
interface Session {
  /** The host whose sshd this is: pids repeat across hosts. */
  host: string;
  ip?: string;
  address?: string;
  user?: string;
  /** Users of PAM authentication failures not yet followed by sshd's own verdict. */
  pamUsers: string[];
  /** Whether a login failure was already reported in this session. */
  failed: boolean;
  /** A user refused before authentication (account locked), reported at the disconnect. */
  lockedUser?: string;
  /** A failure or probe seen before the session's address was known, reported once it is. */
  pending?: EventFields;
}

// Every pattern is anchored, uses bounded repetition and no nested quantifiers: linear on any input.
// Names that an attacker chooses (invalid users) are greedy and followed by the address anchored at
// the end, so the address taken is the last one on the line: the one sshd wrote.
const HOST = '(\\S{1,100})';
const PORT_ON = '(?: port (\\d{1,5}))?(?: on \\S{1,100})?(?: port \\d{1,5})?';
const SUFFIX = '(?: ssh\\d?)?(?: \\[preauth\\])?\\s{0,4}';

const re = (source: string) => new RegExp(source);
// A real account's name has no spaces, so the first " from " ends it; sshd may append ": info".
const FAILED_VALID = re(
  `^Failed (\\S{1,40}) for ()(\\S{1,100}) from ${HOST}${PORT_ON}(?: ssh\\d?)?(?:(?: \\[preauth\\])?$|: .{0,2048}$)`,
);
// An invalid user's name is the client's: take the last address, and allow ": info" only when
// nothing else fits (a key fingerprint after a rejected key).
const FAILED_INVALID = re(
  `^Failed (\\S{1,40}) for (invalid user )(.{0,256}) from ${HOST}${PORT_ON}(?: ssh\\d?)?(?: \\[preauth\\])?$`,
);
// Anything else after "for": a name with spaces is no real account (`<invalid username>`).
const FAILED_ANY = re(
  `^Failed (\\S{1,40}) for (invalid user )?(.{0,256}) from ${HOST}${PORT_ON}(?: ssh\\d?)?(?: \\[preauth\\])?$`,
);
const FAILED_FOR_INVALID = /^Failed \S{1,40} for invalid user /;
const FAILED_INVALID_INFO = re(
  `^Failed (\\S{1,40}) for (invalid user )(.{0,256}?) from ${HOST}${PORT_ON}(?: ssh\\d?)?: .{0,2048}$`,
);
const AUTH_FAILURE = re(
  `^[aA]uthentication (?:failure|error|failed) for (.{0,256}) from ${HOST}(?: via \\S{1,100})?${PORT_ON}${SUFFIX}$`,
);
const NOT_KNOWN = re(
  `^User not known to the underlying authentication module for (?:illegal user |invalid user )?(.{0,256}) from ${HOST}${PORT_ON}${SUFFIX}$`,
);
const ROOT_REFUSED = re(`^ROOT LOGIN REFUSED FROM ${HOST}`);
const INVALID_USER = re(`^[iI](?:llegal|nvalid) user (.{0,256}) from ${HOST}${PORT_ON}${SUFFIX}$`);
const NOT_ALLOWED = re(`^User (.{0,256}) from ${HOST} not allowed because (.{1,80})$`);
const LOCKED = /^User (\S{1,100}) not allowed because account is locked/;
const REFUSED_CONNECT = /^refused connect from \S{1,300} \((\S{1,100})\)/;
const RECEIVED_DISCONNECT = re(
  `^Received disconnect from ${HOST}${PORT_ON}:\\s{0,4}(\\d{1,3}): (.{0,1024})$`,
);
const MAX_ATTEMPTS = re(
  `^maximum authentication attempts exceeded for (?:invalid user )?(.{0,256}) from ${HOST}${PORT_ON}${SUFFIX}$`,
);
const TOO_MANY = /^Disconnecting: Too many authentication failures(?: for (?:invalid user )?(\S{1,100}))?/;
const CHANGE_OF_USER = re(
  `^Disconnecting (?:invalid|authenticating) user (\\S{1,100}) ${HOST}${PORT_ON}: Change of username or service not allowed`,
);
const PAM_FAILURE =
  /^pam_[a-z]{1,20}\(sshd:auth\):\s{1,4}authentication failure;(?: (?:logname|e?uid|tty)=\S{0,100}){0,4}\s{1,4}ruser=(\S{0,100})\s{1,4}rhost=(\S{1,100})(?:\s{1,4}user=(\S{0,100}))?/;
const ACCEPTED = re(`^Accepted (\\S{1,40}) for (\\S{1,100}) from ${HOST}${PORT_ON}(?: ssh\\d?)?(?::|$| )`);
const CLOSED = re(
  `^(?:Connection (?:closed|reset)|Disconnected) (?:by|from)(?: (invalid|authenticating) user (.{0,256}?))? ${HOST}${PORT_ON}( \\[preauth\\])?\\s{0,4}$`,
);
const CONNECTION_FROM = re(`^Connection from ${HOST} port \\d{1,5}`);
const NO_IDENT = re(`^Did not receive identification string from ${HOST}`);
const BAD_VERSION = re(`^Bad protocol version identification '.{0,1024}' from ${HOST}${PORT_ON}$`);
const KEX_IDENT =
  /^kex_exchange_identification: (?:read: )?(?:[Cc]lient sent invalid protocol identifier|[Cc]onnection (?:closed by remote host|reset by peer))/;
const SSH_SERVER_REMOTE = /^SSH: Server;Ltype: (?:Authname|Version|Kex);Remote: (\S{1,100}?)-\d{1,5};/;
const READ_RESET = /^Read from socket failed: Connection reset by peer/;
const BANNER = re(`^banner exchange: Connection from ${HOST}${PORT_ON}: invalid format`);
const NO_AUTH_METHODS = re(
  `^Received disconnect from ${HOST}${PORT_ON}:\\s{0,4}14: No(?: supported)? authentication methods`,
);
const NEGOTIATE_WITH = re(`^Unable to negotiate with ${HOST}${PORT_ON}: no matching [\\w ]{1,40} found`);
const NEGOTIATE = /^(?:Unable to negotiate a [\w ]{1,40}|no matching [\w ]{1,40} found:)/;
const REPEATED = /^message repeated \d{1,9} times: \[ ?(.{1,4096}?) ?\]$/;
const PREFIX =
  /^(?:kernel: ?\[ {0,8}\d{1,10}\.\d{1,9}\]:? )?(?:(?:error|fatal): (?:PAM: )?)?(?:\[ID \d{1,12} [\w.]{1,40}\] )?/;

/** The message without `error: `, `fatal: `, `PAM: `, Solaris `[ID ...]` or kernel-time prefixes. */
function stripPrefix(message: string): string {
  const first = message.charCodeAt(0);
  // e, f, k, [: the only ways a prefix can start; most messages skip the regex entirely.
  if (first !== 101 && first !== 102 && first !== 107 && first !== 91) return message;
  return message.slice(PREFIX.exec(message)?.[0].length ?? 0);
}

const SESSIONS_KEPT = 20_000;

function newSession(host: string): Session {
  return { host, pamUsers: [], failed: false };
}

function probe(action: string, host: string | undefined, port?: string): EventFields {
  const fields: EventFields = {
    'event.action': action,
    'event.category': ['network'],
    'bulwark.category': 'malicious_traffic',
    'bulwark.threat': ['scanner'],
  };
  return withAddress(fields, host, port);
}

/**
 * OpenSSH's sshd (and `sshd-session`, OpenSSH 9.8+). Reads every shape real servers write:
 * failed and accepted logins, invalid and refused users, PAM failures, disconnects before
 * authentication, and protocol-level probing. Keeps a bounded table of sessions by host and pid,
 * so lines that name no address (`Disconnecting: Too many authentication failures`) get the
 * session's, and so one attempt logged twice (a PAM failure, then `Failed password`) counts once.
 */
export class SshdParser implements ProgramParser {
  readonly dataset = 'sshd';
  readonly programs = ['sshd', 'sshd-session', 'sshd-auth'];
  // Keyed by pid (a number hashes far faster than a string); the session records its host.
  private readonly sessions = new SessionTable<number, Session>(SESSIONS_KEPT);

  parse(line: SyslogLine): EventFields | undefined {
    const host = line.host ?? '';
    let message = stripPrefix(line.message);
    if (message.charCodeAt(0) === 109) {
      // m: `message repeated N times: [ ... ]` wraps the message it repeats.
      const repeated = REPEATED.exec(message);
      if (repeated) message = stripPrefix(repeated[1] as string);
    }
    let session: Session | undefined;
    if (line.pid !== undefined) {
      session = this.sessions.get(line.pid);
      if (session === undefined || session.host !== host)
        session = this.sessions.set(line.pid, newSession(host));
    }
    let fields = this.read(message, session);
    if (!fields || session === undefined) return fields;
    if (fields['source.ip'] !== undefined || fields['source.address'] !== undefined) {
      session.ip = fields['source.ip'];
      session.address = fields['source.address'];
      if (session.pending && fields['bulwark.category'] !== 'failed_login') {
        // The address is known at last: what was held back is reported now, at this line.
        fields = { ...session.pending, ...addressOf(fields) };
        if (fields['bulwark.category'] === 'failed_login') session.failed = true;
      }
      session.pending = undefined;
    } else if (fields['bulwark.category'] !== 'other') {
      // A failure with no address is of no use to anyone yet: hold it until the address shows.
      session.pending = fields;
      fields = { ...fields, 'bulwark.category': 'other' };
      delete fields['bulwark.threat'];
    }
    return fields;
  }

  /** The session's address, for lines that name none. */
  private from(session: Session | undefined): string | undefined {
    return session?.ip ?? session?.address;
  }

  private read(message: string, session: Session | undefined): EventFields | undefined {
    let m: RegExpExecArray | null;
    switch (message.charCodeAt(0)) {
      case 70: // F
        if (FAILED_FOR_INVALID.test(message)) {
          m = FAILED_INVALID.exec(message) ?? FAILED_INVALID_INFO.exec(message);
          if (m) return this.failed(m, session, true);
          return undefined;
        }
        m = FAILED_VALID.exec(message);
        if (m) return this.failed(m, session, false);
        m = FAILED_ANY.exec(message);
        if (m) return this.failed(m, session, true);
        return undefined;
      case 65: // A
        m = ACCEPTED.exec(message);
        if (m) {
          if (session) session.pamUsers = [];
          const fields = withAddress(
            {
              'event.action': 'ssh_login',
              'event.outcome': 'success',
              'event.category': ['authentication'],
              'bulwark.category': 'successful_login',
              'user.name': m[2] as string,
            },
            m[3],
            m[4],
          );
          return fields;
        }
        m = AUTH_FAILURE.exec(message);
        if (m) return this.fail(session, login('failure', 'ssh_login', m[1], m[2], m[3]));
        return undefined;
      case 97: // a
        m = AUTH_FAILURE.exec(message);
        if (m) return this.fail(session, login('failure', 'ssh_login', m[1], m[2], m[3]));
        return undefined;
      case 73: // I
      case 105: // i
        m = INVALID_USER.exec(message);
        if (m) return this.fail(session, login('failure', 'invalid_user', m[1], m[2], m[3]));
        return undefined;
      case 85: // U
        m = NOT_ALLOWED.exec(message);
        if (m) return this.fail(session, login('failure', 'user_not_allowed', m[1], m[2]));
        m = NOT_KNOWN.exec(message);
        if (m) return this.fail(session, login('failure', 'ssh_login', m[1], m[2], m[3]));
        m = LOCKED.exec(message);
        if (m) {
          if (session) session.lockedUser = m[1] as string;
          return note('user_locked', undefined, m[1]);
        }
        m = NEGOTIATE_WITH.exec(message);
        if (m) return probe('ssh_negotiation_failed', m[1], m[2]);
        if (NEGOTIATE.test(message)) return probe('ssh_negotiation_failed', this.from(session));
        return undefined;
      case 82: // R
        m = ROOT_REFUSED.exec(message);
        if (m) return this.fail(session, login('failure', 'root_login_refused', 'root', m[1]));
        m = NO_AUTH_METHODS.exec(message);
        if (m) return probe('ssh_no_auth_methods', m[1], m[2]);
        m = RECEIVED_DISCONNECT.exec(message);
        if (m) return this.receivedDisconnect(m, session);
        if (READ_RESET.test(message)) return probe('ssh_connection_reset', this.from(session));
        return undefined;
      case 114: // r
        m = REFUSED_CONNECT.exec(message);
        if (m) return this.fail(session, login('failure', 'connection_refused', undefined, m[1]));
        return undefined;
      case 109: // m
        m = MAX_ATTEMPTS.exec(message);
        if (m) return this.fail(session, login('failure', 'max_auth_attempts', m[1], m[2], m[3]));
        return undefined;
      case 68: // D
        m = TOO_MANY.exec(message);
        if (m)
          return this.fail(
            session,
            login('failure', 'too_many_auth_failures', m[1] ?? session?.user, this.from(session)),
          );
        m = CHANGE_OF_USER.exec(message);
        if (m) return this.fail(session, login('failure', 'ssh_login', m[1], m[2], m[3]));
        m = NO_IDENT.exec(message);
        if (m) return probe('ssh_no_identification', m[1]);
        m = CLOSED.exec(message);
        if (m) return this.closed(m, session);
        return undefined;
      case 67: // C
        m = CLOSED.exec(message);
        if (m) return this.closed(m, session);
        m = CONNECTION_FROM.exec(message);
        if (m) {
          if (session) session.failed = false;
          return note('ssh_connection', m[1]);
        }
        return undefined;
      case 112: // p
        m = PAM_FAILURE.exec(message);
        if (m) return this.pamFailure(m, session);
        return undefined;
      case 66: // B
        m = BAD_VERSION.exec(message);
        if (m) return probe('ssh_bad_protocol_version', m[1], m[2]);
        return undefined;
      case 107: // k
        if (KEX_IDENT.test(message)) return probe('ssh_bad_identification', this.from(session));
        return undefined;
      case 83: // S
        m = SSH_SERVER_REMOTE.exec(message);
        if (m) return note('ssh_connection', m[1]);
        return undefined;
      case 98: // b
        m = BANNER.exec(message);
        if (m) return probe('ssh_bad_identification', m[1], m[2]);
        return undefined;
      case 110: // n
        if (NEGOTIATE.test(message)) return probe('ssh_negotiation_failed', this.from(session));
        return undefined;
      default:
        return undefined;
    }
  }

  /** Records that the session reported a failure; PAM failures of this attempt are now accounted for. */
  private fail(session: Session | undefined, fields: EventFields): EventFields {
    if (session) {
      session.failed = true;
      session.pamUsers = [];
      if (fields['user.name'] !== undefined) session.user = fields['user.name'];
      if (!fields['source.ip'] && !fields['source.address']) withAddress(fields, this.from(session));
    }
    return fields;
  }

  private failed(m: RegExpExecArray, session: Session | undefined, invalid: boolean): EventFields {
    const [, method, , user, host, port] = m;
    // Clients offer several keys in turn: a rejected key for a real account is routine, not an
    // attack. It counts once the server gives up on the session (too many failures).
    if (method === 'publickey' && !invalid) {
      if (session && user) session.user = user;
      return withAddress(
        {
          'event.action': 'ssh_publickey_rejected',
          'event.outcome': 'failure',
          'event.category': ['authentication'],
          'bulwark.category': 'other',
          ...(user ? { 'user.name': user } : {}),
        },
        host,
        port,
      );
    }
    return this.fail(session, login('failure', invalid ? 'invalid_user' : 'ssh_login', user, host, port));
  }

  private pamFailure(m: RegExpExecArray, session: Session | undefined): EventFields {
    const [, ruser, host, user] = m;
    const who = user || ruser || '';
    // sshd reports the same attempt itself right after ("Failed password"), so a PAM failure is
    // held: it counts only as a second user tried in one session, or when the client leaves
    // without sshd's own verdict.
    if (session && session.pamUsers.length > 0 && who !== '' && !session.pamUsers.includes(who)) {
      session.pamUsers.push(who);
      return this.fail(session, login('failure', 'pam_auth_failure', who, host));
    }
    if (session && who !== '' && !session.pamUsers.includes(who)) session.pamUsers.push(who);
    else if (session && who === '') session.pamUsers.push('');
    return withAddress(
      {
        'event.action': 'pam_auth_failure',
        'event.outcome': 'failure',
        'event.category': ['authentication'],
        'bulwark.category': 'other',
        ...(who ? { 'user.name': who } : {}),
      },
      host,
    );
  }

  private receivedDisconnect(m: RegExpExecArray, session: Session | undefined): EventFields {
    const [, host, port, code, text] = m;
    if (code === '3' && / Auth fail/.test(text ?? ''))
      return this.fail(session, login('failure', 'ssh_login', undefined, host, port));
    if (session?.lockedUser !== undefined) {
      const user = session.lockedUser;
      session.lockedUser = undefined;
      return this.fail(session, login('failure', 'user_not_allowed', user, host, port));
    }
    if (session && session.pamUsers.length > 0) {
      const user = session.pamUsers[session.pamUsers.length - 1];
      return this.fail(session, login('failure', 'pam_auth_failure', user, host, port));
    }
    return note('ssh_disconnect', host);
  }

  private closed(m: RegExpExecArray, session: Session | undefined): EventFields {
    const [, kind, user, host, port, preauth] = m;
    if (session && session.pamUsers.length > 0) {
      // PAM refused the client and sshd never logged its own verdict: this was the failure.
      const pamUser = session.pamUsers[session.pamUsers.length - 1];
      return this.fail(session, login('failure', 'pam_auth_failure', user ?? pamUser, host, port));
    }
    if (preauth !== undefined && session && !session.failed) {
      // Left before authenticating, without any failure on record: a probe or a brute-force tool.
      return { ...probe('ssh_preauth_disconnect', host, port), ...(user ? { 'user.name': user } : {}) };
    }
    if (kind !== undefined && session && !session.failed) {
      return { ...probe('ssh_preauth_disconnect', host, port), ...(user ? { 'user.name': user } : {}) };
    }
    return note('ssh_disconnect', host, user);
  }
}
