import { pick, seeded } from './random.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const USERS = [
  'root',
  'admin',
  'test',
  'user',
  'oracle',
  'postgres',
  'ubuntu',
  'git',
  'deploy',
  'pi',
  'guest',
  'ftp',
];
const REAL_USERS = ['deploy', 'ops', 'backup', 'alice', 'bob'];

function stamp(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  const time = d.toISOString().slice(11, 19);
  return `${MONTHS[d.getUTCMonth()]} ${day} ${time}`;
}

function address(random: () => number): string {
  if (random() < 0.08) {
    const hex = () => Math.floor(random() * 65536).toString(16);
    return `2001:db8:${hex()}:${hex()}::${hex()}`;
  }
  const octet = () => 1 + Math.floor(random() * 254);
  return `${octet()}.${octet()}.${octet()}.${octet()}`;
}

/**
 * A realistic sshd auth log of `count` lines, the same for the same seed: mostly brute force
 * (invalid users, failed passwords, PAM failures, preauth disconnects), some real logins and
 * sessions, and some scanner noise, in the proportions a server on the internet sees.
 */
export function syntheticSshdLog(count: number, seed = 42): string[] {
  const random = seeded(seed);
  const lines: string[] = [];
  let now = Date.UTC(2026, 10, 20, 0, 0, 0);
  let pid = 10_000;
  const attackers = Array.from({ length: 400 }, () => address(random));
  const offices = Array.from({ length: 8 }, () => address(random));
  while (lines.length < count) {
    now += Math.floor(random() * 2_000);
    pid += 1 + Math.floor(random() * 7);
    const at = stamp(now);
    const head = `${at} bastion sshd[${pid}]:`;
    const roll = random();
    const ip = pick(random, attackers);
    const port = 1024 + Math.floor(random() * 64_000);
    if (roll < 0.55) {
      const user = pick(random, USERS);
      const invalid = random() < 0.5;
      if (invalid) lines.push(`${head} Invalid user ${user} from ${ip} port ${port}`);
      lines.push(
        `${head} pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=${ip}${invalid ? '' : `  user=${user}`}`,
      );
      lines.push(
        `${head} Failed password for ${invalid ? 'invalid user ' : ''}${user} from ${ip} port ${port} ssh2`,
      );
      if (random() < 0.3) {
        lines.push(
          `${head} error: maximum authentication attempts exceeded for ${invalid ? 'invalid user ' : ''}${user} from ${ip} port ${port} ssh2 [preauth]`,
        );
      }
      lines.push(
        `${head} Connection closed by ${invalid ? 'invalid' : 'authenticating'} user ${user} ${ip} port ${port} [preauth]`,
      );
    } else if (roll < 0.7) {
      const user = pick(random, REAL_USERS);
      const from = pick(random, offices);
      const method = random() < 0.6 ? 'publickey' : 'password';
      const tail =
        method === 'publickey'
          ? ' ssh2: ED25519 SHA256:OYTCULU8lTPVGinl9mFPOB9PZERjE4EBoAS68WfeJGg'
          : ' ssh2';
      lines.push(`${head} Accepted ${method} for ${user} from ${from} port ${port}${tail}`);
      lines.push(`${head} pam_unix(sshd:session): session opened for user ${user}(uid=1000) by (uid=0)`);
    } else if (roll < 0.8) {
      lines.push(`${head} Received disconnect from ${ip} port ${port}:11: Bye Bye [preauth]`);
      lines.push(`${head} Disconnected from ${ip} port ${port} [preauth]`);
    } else if (roll < 0.9) {
      lines.push(`${head} Connection closed by ${ip} port ${port} [preauth]`);
    } else if (roll < 0.95) {
      lines.push(`${head} Did not receive identification string from ${ip} port ${port}`);
    } else {
      lines.push(`${head} error: kex_exchange_identification: Connection closed by remote host`);
      lines.push(`${head} Connection closed by ${ip} port ${port}`);
    }
  }
  return lines.slice(0, count);
}
