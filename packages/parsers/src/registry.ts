import { AppJsonParser } from './app/app-json.js';
import type { AppMapping } from './app/mapping.js';
import { ProftpdParser } from './ftp/proftpd.js';
import { PureFtpdParser } from './ftp/pure-ftpd.js';
import { VsftpdLogParser, VsftpdSyslogParser } from './ftp/vsftpd.js';
import { SshdParser } from './programs/sshd.js';
import type { LineParser, ProgramParser } from './types.js';
import { createWebLineParsers, createWebProgramParsers } from './web/index.js';

export interface ParserSettings {
  appMapping?: AppMapping;
}

/**
 * The parsers a classifier runs, created fresh for each classifier because some keep state.
 * Adding a format is adding a parser here (and a case folder under test/cases).
 */
export function createProgramParsers(): ProgramParser[] {
  return [
    new SshdParser(),
    new VsftpdSyslogParser(),
    new ProftpdParser(),
    new PureFtpdParser(),
    ...createWebProgramParsers(),
  ];
}

/** Line parsers, in the order they are tried on lines that are not syslog. */
export function createLineParsers(settings: ParserSettings = {}): LineParser[] {
  return [new AppJsonParser(settings.appMapping), ...createWebLineParsers(), new VsftpdLogParser()];
}
