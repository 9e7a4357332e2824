import type { LineParser } from '../types.js';

/** Line parsers for web server logs (access and error logs of nginx and apache). */
export function createWebLineParsers(): LineParser[] {
  return [];
}
