import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@bulwark/config';
import { parseRuleFile, RuleFileError } from '@bulwark/rules';
import {
  classifierOptions,
  createEngine,
  loadConfiguredRules,
  main as startStandalone,
} from '@bulwark/standalone';
import { classifyStream, formatStats } from './classify-command.js';
import { replay, toReplayIncident } from './replay.js';

const USAGE = `Usage: bulwark <command> [options]

Commands:
  start                 Run the standalone service (HTTP on BULWARK_HTTP_PORT, default 8080).
  classify [FILE]       Classify lines (standard input by default) and print one JSON event
                        per line.
    --stats             Also print counts per dataset and category, to standard error.
    --no-events         Print only the counts.
    --source NAME       Format hint for every line (sshd, nginx.access, app, ...).
  replay FILE...        Classify and evaluate log files offline, in event time; print each
                        resulting incident as one JSON line.
  rules check FILE...   Validate rule files; explain every problem with its line.

  classify and replay take --reference-time T: the ISO time the lines count as received,
  which completes timestamps written without a year (default: now).
  help                  Show this text.
  version               Print the version.

Configuration: bulwark.yaml (or BULWARK_CONFIG) plus BULWARK_* environment variables.
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function referenceTimeOf(text: string | undefined, command: string): Date | null {
  const at = text === undefined ? new Date() : new Date(text);
  if (Number.isNaN(at.getTime())) {
    process.stderr.write(`bulwark ${command}: --reference-time "${text}" is not an ISO time\n`);
    return null;
  }
  return at;
}

async function classifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      stats: { type: 'boolean', default: false },
      'no-events': { type: 'boolean', default: false },
      source: { type: 'string' },
      'reference-time': { type: 'string' },
    },
  });
  if (positionals.length > 1) {
    process.stderr.write('bulwark classify: name at most one file (or none, for standard input)\n');
    return 2;
  }
  const referenceTime = referenceTimeOf(values['reference-time'], 'classify');
  if (!referenceTime) return 2;
  const config = loadConfig();
  const stats = await classifyStream({
    ...(positionals[0] === undefined ? {} : { file: positionals[0] }),
    ...(values.source === undefined ? {} : { source: values.source }),
    options: classifierOptions(config),
    referenceTime,
    out: process.stdout,
    events: !values['no-events'],
  });
  if (values.stats || values['no-events']) process.stderr.write(formatStats(stats));
  return 0;
}

function rulesCommand(args: string[]): number {
  const [sub, ...files] = args;
  if (sub !== 'check' || files.length === 0) {
    process.stderr.write('Usage: bulwark rules check FILE...\n');
    return 2;
  }
  let failed = false;
  for (const file of files) {
    try {
      const { rules } = parseRuleFile(readFileSync(file, 'utf8'), file);
      process.stdout.write(`${file}: ok, ${rules.length} rule${rules.length === 1 ? '' : 's'}\n`);
    } catch (error) {
      failed = true;
      if (error instanceof RuleFileError) {
        for (const p of error.problems) {
          process.stdout.write(
            `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}\n`,
          );
        }
      } else process.stdout.write(`${file}: ${(error as Error).message}\n`);
    }
  }
  return failed ? 1 : 0;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'reference-time': { type: 'string' } },
  });
  if (positionals.length === 0) {
    process.stderr.write(`bulwark replay: name at least one file\n\n${USAGE}`);
    return 2;
  }
  const referenceTime = referenceTimeOf(values['reference-time'], 'replay');
  if (!referenceTime) return 2;
  const config = loadConfig();
  const incidents = await replay(positionals, {
    engine: createEngine(config, loadConfiguredRules(config)),
    classify: classifierOptions(config),
    referenceTime,
  });
  for (const incident of incidents) process.stdout.write(`${JSON.stringify(toReplayIncident(incident))}\n`);
  return 0;
}

/** Runs one CLI command; resolves with the exit code (`start` keeps running until a signal). */
export async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        await startStandalone();
        return typeof process.exitCode === 'number' ? process.exitCode : 0;
      case 'classify':
        return await classifyCommand(rest);
      case 'replay':
        return await replayCommand(rest);
      case 'rules':
        return rulesCommand(rest);
      case 'version':
      case '--version':
        process.stdout.write(`${version()}\n`);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`bulwark: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RuleFileError) {
      process.stderr.write(`bulwark: ${error.message}\n`);
      return 2;
    }
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      process.stderr.write(`bulwark: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
