/**
 * Path traversal and local file inclusion in decoded request text: climbing out of the web root
 * (`../`, `..\`, `..;/`, `....//`) or naming an operating-system file an attacker reads to prove
 * the hole (`/etc/passwd`, `win.ini`, `/proc/self/environ`). Input is already fully decoded
 * (see decode.ts), so encoded and double-encoded forms land here as plain dots and slashes.
 */

// A dot-dot segment: two or more dots, an optional `;` (Tomcat's path parameter trick), then a
// separator; or a trailing `/..`. No nested quantifiers: linear on any input.
const DOT_DOT = /\.\.;?[/\\]|[/\\]\.\.$/;
// Files read to confirm a traversal or inclusion hole, at a path boundary.
const OS_FILE =
  /(?:^|[/\\])(?:etc[/\\](?:passwd|shadow|group|hosts|issue|motd)(?:$|[^\w.-])|proc[/\\](?:self|\d{1,7})[/\\](?:environ|cmdline|fd|maps|status)|(?:windows|winnt)[/\\](?:win\.ini|system32)|(?:boot|win|system)\.ini$)/i;

/** Whether decoded request text climbs out of the web root or names a system file. */
export function isTraversal(decoded: string): boolean {
  if (decoded.indexOf('..') >= 0 && DOT_DOT.test(decoded)) return true;
  return OS_FILE.test(decoded);
}
