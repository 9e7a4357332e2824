import { SshdParser } from './programs/sshd.js';
import type { LineParser, ProgramParser } from './types.js';
import { createWebLineParsers } from './web/index.js';

/**
 * The parsers a classifier runs, created fresh for each classifier because some keep state.
 * Adding a format is adding a parser here (and a case folder under test/cases).
 */
export function createProgramParsers(): ProgramParser[] {
  return [new SshdParser()];
}

/** Line parsers, in the order they are tried on lines that are not syslog. */
export function createLineParsers(): LineParser[] {
  return [...createWebLineParsers()];
}
