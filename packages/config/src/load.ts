import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NOTIFY_SECRET_ENV, type NotifySecrets, secretProblems } from '@bulwark/notify';
import { parseDocument } from 'yaml';
import { type HashedApiKey, parseApiKeysEnv } from './api-keys.js';
import { type Config, ConfigSchema } from './schema.js';

/** Environment variables that always work, and the config path each one overrides. */
export const ENV_OVERRIDES = {
  BULWARK_DATA_DIR: 'data_dir',
  BULWARK_HTTP_HOST: 'http.host',
  BULWARK_HTTP_PORT: 'http.port',
  BULWARK_SYSLOG_PORT: 'syslog.port',
  BULWARK_LOG_LEVEL: 'log.level',
} as const;

export const DEFAULT_CONFIG_FILE = 'bulwark.yaml';

export interface ConfigProblem {
  /** Where: a config path such as `http.port`, or an environment variable. */
  path: string;
  message: string;
}

/** Every problem found in the configuration, listed at once. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The loaded configuration plus the API keys taken from the environment (hashed on the way in). */
export interface LoadedConfig extends Config {
  /** Secrets, from the environment only. */
  readonly secrets: Readonly<{ syslogTlsPassphrase?: string; notify: NotifySecrets }>;
  /** Absolute path of the YAML file read, or null when none was. */
  readonly file: string | null;
  /** Keys from `BULWARK_API_KEYS` (hashes only) followed by the hashed keys of the file. */
  readonly keys: readonly HashedApiKey[];
}

type Env = Readonly<Record<string, string | undefined>>;

function readYaml(file: string, problems: ConfigProblem[]): Record<string, unknown> {
  const doc = parseDocument(readFileSync(file, 'utf8'), { prettyErrors: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const line = error.linePos?.[0]?.line;
      problems.push({ path: line ? `${file}:${line}` : file, message: error.message.split('\n')[0] ?? '' });
    }
    return {};
  }
  const value: unknown = doc.toJS();
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ path: file, message: 'expected a mapping at the top level' });
    return {};
  }
  return value as Record<string, unknown>;
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/**
 * Reads `bulwark.yaml` (from `BULWARK_CONFIG`, else `./bulwark.yaml` when present), applies the
 * environment overrides and validates the result. Throws ConfigError listing every problem.
 * This is the only place that reads `process.env`-style input; pass `env` explicitly in tests.
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): LoadedConfig {
  const problems: ConfigProblem[] = [];
  let file: string | null = null;
  let raw: Record<string, unknown> = {};

  const explicit = env.BULWARK_CONFIG;
  if (explicit !== undefined && explicit !== '') {
    file = path.resolve(cwd, explicit);
    if (!existsSync(file)) problems.push({ path: 'BULWARK_CONFIG', message: `no such file: ${file}` });
    else raw = readYaml(file, problems);
  } else if (existsSync(path.resolve(cwd, DEFAULT_CONFIG_FILE))) {
    file = path.resolve(cwd, DEFAULT_CONFIG_FILE);
    raw = readYaml(file, problems);
  }

  const fromEnv = new Map<string, string>();
  for (const [name, dotted] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, dotted, value);
    fromEnv.set(dotted, name);
  }

  const envKeys = parseApiKeysEnv(env.BULWARK_API_KEYS ?? '');
  for (const problem of envKeys.problems) {
    problems.push({ path: `BULWARK_API_KEYS[${problem.index}]`, message: problem.message });
  }

  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const dotted = issue.path.map(String).join('.');
      const envName = fromEnv.get(dotted);
      problems.push({
        path: envName ? `${envName} (${dotted})` : dotted || '(root)',
        message: issue.message,
      });
    }
  }
  const notifySecrets: NotifySecrets = {};
  for (const [name, variable] of Object.entries(NOTIFY_SECRET_ENV) as [keyof NotifySecrets, string][]) {
    const value = env[variable];
    if (value) notifySecrets[name] = value;
  }
  if (parsed.success) {
    for (const problem of secretProblems(parsed.data.notify, notifySecrets)) {
      problems.push({ path: problem.env, message: problem.message });
    }
  }
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems);

  const config = parsed.data;
  // Files named in the config are relative to it, or to the working directory.
  const base = file === null ? cwd : path.dirname(file);
  const tls = config.syslog.tls;
  return deepFreeze({
    ...config,
    data_dir: path.resolve(cwd, config.data_dir),
    rules: { ...config.rules, files: config.rules.files.map((rules) => path.resolve(base, rules)) },
    syslog: {
      ...config.syslog,
      ...(tls === undefined
        ? {}
        : {
            tls: {
              ...tls,
              cert: path.resolve(base, tls.cert),
              key: path.resolve(base, tls.key),
              ...(tls.ca === undefined ? {} : { ca: path.resolve(base, tls.ca) }),
            },
          }),
    },
    file,
    keys: [...envKeys.keys, ...config.api_keys],
    secrets: {
      notify: notifySecrets,
      ...(env.BULWARK_SYSLOG_TLS_PASSPHRASE
        ? { syslogTlsPassphrase: env.BULWARK_SYSLOG_TLS_PASSPHRASE }
        : {}),
    },
  });
}
