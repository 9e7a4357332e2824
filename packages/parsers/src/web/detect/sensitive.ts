/**
 * Sensitive resources: files and pages no browser asks for, which leak secrets or source when a
 * server hands them out, and which probes ask for by the hundred. Curated for Bulwark from the
 * kinds of names in OWASP CRS's restricted-files and lfi-os-files data (rules 930130, 930120)
 * and from what scanners request in the wild, but narrower than CRS: a log alerter cannot
 * tell a probe from a legitimate download by anything but the name, so only names that are
 * secrets, metadata or backups by themselves are listed (no `package.json`, no `Dockerfile`).
 *
 * Matched case-insensitively on the decoded path, at segment boundaries, so `/.env` and
 * `/app/.ENV.local` match and `/environment` or `/blog/git-tips` do not.
 */

/** Dot-files and dot-directories that hold credentials, history or version-control metadata. */
const DOT_NAMES = [
  'env(?:[._-][\\w.-]{0,40})?(?:$|/)',
  'git(?:/|$|config$|-credentials$|ignore$)',
  'svn(?:/|$)',
  'hg(?:/|$)',
  'bzr(?:/|$)',
  'cvs(?:/|$)',
  'ds_store$',
  'ht(?:passwd|access|digest|group)',
  'aws(?:/|$)',
  'ssh(?:/|$)',
  'gnupg(?:/|$)',
  'docker(?:/|$|cfg$)',
  'kube(?:/|$)',
  'azure(?:/|$)',
  'config/gcloud',
  '(?:bash|zsh|sh|mysql|psql|php|python|node_repl)_history$',
  'npmrc$',
  'yarnrc$',
  'pgpass$',
  'netrc$',
  'my\\.cnf$',
  's3cfg$',
  'boto$',
  'ftpconfig$',
  'remote-sync\\.json$',
  'vscode/sftp\\.json$',
  'idea(?:/|$)',
  'terraform(?:/|$)',
  'user\\.ini$',
  'travis\\.yml$',
];

/** Whole names (segments) of secrets, configuration with credentials, and diagnostic pages. */
const FILE_NAMES = [
  'id_(?:rsa|dsa|ecdsa|ed25519)(?:\\.pub)?$',
  'authorized_keys$',
  'known_hosts$',
  'credentials(?:\\.json|\\.xml|\\.yml|\\.csv)?$',
  'secrets?\\.(?:json|ya?ml|env|txt)$',
  'wp-config',
  'terraform\\.tfstate',
  'configuration\\.php[._~-]',
  'localsettings\\.php[._~-]',
  'config\\.(?:php|inc\\.php)[._~-]',
  'settings\\.(?:php|py)[._~-]',
  'database\\.ya?ml$',
  'secrets\\.ya?ml$',
  'parameters\\.ya?ml$',
  'app/etc/(?:env\\.php|local\\.xml)$',
  'web\\.config(?:\\.bak|\\.old|\\.txt)?$',
  'appsettings(?:\\.[\\w-]{1,20})?\\.json$',
  'docker-compose(?:\\.[\\w-]{1,20})?\\.ya?ml$',
  'sftp-config\\.json$',
  'ftp-sync\\.json$',
  'server-(?:status|info)(?:/|$)',
  'nginx_status$',
  '(?:php_?info|info|phpversion|php-info|test_?info)\\.php$',
  'phpmyadmin[\\w.-]{0,20}/(?:setup|scripts/setup\\.php)',
  '(?:pma|myadmin|mysqladmin|phpmyadmin[\\w.-]{0,20})/scripts/setup\\.php$',
  'web-inf/',
  'meta-inf/',
  'actuator/(?:env|heapdump|configprops|mappings|beans|threaddump|logfile|httptrace|jolokia)',
  'debug/pprof',
  '_profiler/phpinfo',
  '(?:elmah|trace)\\.axd$',
  'storage/logs/laravel\\.log$',
  'wp-content/debug\\.log$',
];

/** Backup copies and dumps: source or data saved under a name the server serves as a file. */
const BACKUP_SUFFIX =
  /\.(?:sql|sqlite3?|db|mdb|dump|bak|backup|bkp|old|orig|save|swp|swo)(?:\.(?:gz|bz2|xz|zip|7z|tar|tgz|rar))?$|~$/i;
/** Archives whose name says they hold the whole site or its database. */
const SITE_ARCHIVE =
  /(?:^|\/)(?:backups?|bak|site|website|www|wwwroot|web|html|htdocs|public_html|httpdocs|db|database|dump|sql|mysql|data|old|new|src|source|archive|home|admin|wordpress|wp)\.(?:zip|rar|7z|tar|tar\.gz|tgz|tar\.bz2|gz|bz2|xz)$/i;

const SEGMENT = new RegExp(`(?:^|/)(?:\\.(?:${DOT_NAMES.join('|')})|(?:${FILE_NAMES.join('|')}))`, 'i');

/** Whether a decoded request path (or a file-system path from an error log) names a sensitive resource. */
export function isSensitivePath(path: string): boolean {
  return SEGMENT.test(path) || BACKUP_SUFFIX.test(path) || SITE_ARCHIVE.test(path);
}
