/**
 * Bot searches: requests for well-known applications that are not installed here (webmail,
 * phpMyAdmin, WordPress logins, CGI scripts). Asking for them is normal on a server that runs
 * them, so they only count when the server answered that the resource does not exist; this is
 * the same judgement as fail2ban's botsearch filters, whose target list this follows.
 */

// A first path segment starting with one of these names (`/phpMyAdmin-2.8.2.3/`, `/mail_archive`).
const TARGET =
  /^(?:roundcube|(?:ext)?mail|horde|(?:v-?)?webmail|pma|(?:php)?myadmin|mysqladmin|cgi-bin|wp-(?:login|signup|admin)\.php)/i;
// Segments under which panels are commonly installed, so the segment after them is looked at too.
const PANEL_PARENT = /^(?:admin|typo3|xampp)$/i;
// Document roots, stripped from file-system paths in error logs to find the first URL segment.
const WEB_ROOT =
  /^\/(?:var\/www|srv\/(?:www|http)|usr\/share\/(?:nginx|apache2?)|usr\/local\/(?:www|apache2?)|home\/[^/]{1,64})(?:\/(?:html|htdocs|public_html|httpdocs|www|public))?\//;

function segments(path: string, from: number): [string, string] {
  let start = from;
  while (path.charCodeAt(start) === 47 /* / */) start += 1;
  let end = path.indexOf('/', start);
  if (end < 0) end = path.length;
  const first = path.slice(start, end);
  let next = end;
  while (path.charCodeAt(next) === 47) next += 1;
  let stop = path.indexOf('/', next);
  if (stop < 0) stop = path.length;
  return [first, path.slice(next, stop)];
}

function targetAt(path: string, from: number): boolean {
  const [first, second] = segments(path, from);
  return TARGET.test(first) || (PANEL_PARENT.test(first) && TARGET.test(second));
}

/** Whether a decoded URL path asks for a bot-search target (only meaningful when it was missing). */
export function isProbeTarget(urlPath: string): boolean {
  return targetAt(urlPath, 0);
}

/**
 * The same for a file-system path an error log reports missing: looked at under a recognised
 * document root, else by its last segment (the document root is not known).
 */
export function isProbeFile(fsPath: string): boolean {
  const root = WEB_ROOT.exec(fsPath);
  if (root) return targetAt(fsPath, root[0].length);
  const trimmed = fsPath.endsWith('/') ? fsPath.slice(0, -1) : fsPath;
  return TARGET.test(trimmed.slice(trimmed.lastIndexOf('/') + 1));
}
