/**
 * The parts of an HTTP request line as a web server logs it (`GET /search?q=x HTTP/1.1`), shared
 * by the access and error logs. A malformed line (`-`, TLS bytes sent to a plain port) yields
 * whatever parts it has: the event keeps the raw line in `message` anyway.
 */
export interface RequestParts {
  method?: string;
  /** The request target as written (`url.original`). */
  url?: string;
  /** The target's path: without the query, and without scheme and host for absolute targets. */
  path?: string;
  /** The query string without `?`, when there is one. */
  query?: string;
}

const METHOD = /^[A-Z][A-Z_-]{0,19}$/;

export function splitRequest(request: string): RequestParts {
  const parts: RequestParts = {};
  const first = request.indexOf(' ');
  if (first <= 0) return parts;
  const method = request.slice(0, first);
  if (!METHOD.test(method)) return parts;
  parts.method = method;
  const last = request.lastIndexOf(' ');
  const url =
    last > first && request.startsWith('HTTP/', last + 1)
      ? request.slice(first + 1, last)
      : request.slice(first + 1);
  if (url === '') return parts;
  parts.url = url;
  // An absolute target (`GET http://host/path`, proxies and probes) has its path after the host.
  let pathAt = 0;
  if (url.charCodeAt(0) !== 47) {
    const scheme = url.indexOf('://');
    if (scheme > 0 && scheme < 10) {
      const slash = url.indexOf('/', scheme + 3);
      const mark = url.indexOf('?', scheme + 3);
      pathAt = slash < 0 || (mark >= 0 && mark < slash) ? -1 : slash;
    }
  }
  const q = url.indexOf('?');
  if (pathAt < 0) {
    parts.path = '/';
  } else {
    parts.path = q < 0 ? url.slice(pathAt) : url.slice(pathAt, q);
  }
  if (q >= 0) parts.query = url.slice(q + 1);
  return parts;
}
