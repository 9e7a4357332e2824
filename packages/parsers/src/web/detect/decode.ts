/**
 * Undoing the encodings an attacker hides a payload behind, so that detection sees what the
 * application behind the web server will see. Tolerant by design: malformed escapes stay as
 * written instead of throwing (decodeURIComponent throws on `%zz` and on stray UTF-8 bytes).
 */

// `%uXXXX` is IIS's non-standard escape; scanners still send it.
const PERCENT = /%(?:u([0-9a-fA-F]{4})|([0-9a-fA-F]{2}))/g;
// Escapes the servers add when they write a request into the log: nginx writes `"` and bytes
// outside printable ASCII as `\xHH`, apache writes `\"` and `\\` and `\xhh`.
const LOG_ESCAPE = /\\(?:x([0-9a-fA-F]{2})|(["\\]))/g;
// Overlong UTF-8 forms of `.`, `/` and `\` (after byte-wise decoding), which old servers and
// naive filters accepted as the real characters: a classic traversal disguise.
const OVERLONG = /\u00c0\u00ae|\u00e0\u0080\u00ae|\u00c0\u00af|\u00e0\u0080\u00af|\u00c1\u009c|\u00c1\u0081/g;
const OVERLONG_AS: Record<string, string> = {
  '\u00c0\u00ae': '.',
  '\u00e0\u0080\u00ae': '.',
  '\u00c0\u00af': '/',
  '\u00e0\u0080\u00af': '/',
  '\u00c1\u009c': '\\',
  '\u00c1\u0081': '\\',
};
/** How many layers of percent-encoding are peeled: double encoding is common, triple is rare. */
const MAX_ROUNDS = 3;

function fromHex(_match: string, wide: string | undefined, byte: string | undefined): string {
  return String.fromCharCode(Number.parseInt((wide ?? byte) as string, 16));
}

/** One layer of percent-decoding, byte by byte (each byte becomes one char; enough for detection). */
export function percentDecodeOnce(text: string): string {
  return text.indexOf('%') < 0 ? text : text.replace(PERCENT, fromHex);
}

/** The request text as the client sent it, without the escapes the server added for the log. */
export function unescapeLogged(text: string): string {
  return text.indexOf('\\') < 0
    ? text
    : text.replace(LOG_ESCAPE, (_m, hex: string | undefined, char: string | undefined) =>
        hex !== undefined ? String.fromCharCode(Number.parseInt(hex, 16)) : (char as string),
      );
}

/**
 * Fully decodes a logged path or query component: log escapes, then percent-encoding peeled
 * layer by layer (so `%252e%252e%252f` becomes `../`), then overlong UTF-8. `formEncoded` turns
 * `+` into a space first, as query strings mean it.
 */
export function decodeComponent(text: string, formEncoded: boolean): string {
  let out = unescapeLogged(text);
  if (formEncoded && out.indexOf('+') >= 0) out = out.replaceAll('+', ' ');
  for (let round = 0; round < MAX_ROUNDS && out.indexOf('%') >= 0; round += 1) {
    const next = percentDecodeOnce(out);
    if (next === out) break;
    out = next;
  }
  if (out.indexOf('\u00c0') >= 0 || out.indexOf('\u00c1') >= 0 || out.indexOf('\u00e0') >= 0) {
    out = out.replace(OVERLONG, (match) => OVERLONG_AS[match] ?? match);
  }
  return out;
}

/** Most parameters looked at in one query: more is itself odd, and the rest are not decoded. */
const MAX_PARAMS = 64;

/** Names and values of a raw query string, each fully decoded. */
export function decodeQuery(query: string): string[] {
  const out: string[] = [];
  let start = 0;
  while (start <= query.length && out.length < MAX_PARAMS * 2) {
    let end = query.indexOf('&', start);
    if (end < 0) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      if (eq >= 0 && eq < end) {
        if (eq > start) out.push(decodeComponent(query.slice(start, eq), true));
        out.push(decodeComponent(query.slice(eq + 1, end), true));
      } else {
        out.push(decodeComponent(query.slice(start, end), true));
      }
    }
    start = end + 1;
  }
  return out;
}
