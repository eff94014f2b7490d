// Recognising credentials by name and by the shape of the value, and saying so without ever
// repeating the value: reports name the variable and the kind of secret, not its content.

/** Names that announce a secret (…_PASSWORD, API_KEY, GITHUB_TOKEN, aws_secret_access_key…). */
const SECRET_NAME =
  /(^|[_.-])(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?token|client[_-]?secret)($|[_.-])/i;

/** Names that point at a secret rather than hold one. */
const REFERENCE_NAME = /(_FILE|_PATH|_DIR|_LOCATION|_REF|_NAME|_ID)$/i;

const SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
  [/\b[sr]k_live_[A-Za-z0-9]{16,}\b/, 'a Stripe secret key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\bnpm_[A-Za-z0-9]{36}\b/, 'an npm token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON Web Token'],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:[^\s@/]+@/i, 'a password inside a URL'],
];

export function secretShape(value: string): string | null {
  for (const [pattern, kind] of SHAPES) if (pattern.test(value)) return kind;
  return null;
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !REFERENCE_NAME.test(name);
}

/** What kind of secret `name=value` carries, or null. Empty values, paths and ${references} are not secrets. */
export function secretIn(name: string, value: string): string | null {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed.startsWith('${') || /^\$[A-Za-z_]/.test(trimmed)) return null;
  const shape = secretShape(trimmed);
  if (shape) return shape;
  if (!isSecretName(name)) return null;
  if (trimmed.startsWith('/') && !trimmed.includes(' ')) return null; // a path to a secret file
  return 'a literal value for a secret-looking name';
}

/** Shown instead of a secret value. */
export function redacted(value: string): string {
  return `[redacted, ${value.length} characters]`;
}

/** Every `NAME=value` assignment in a text (ENV lines, `|2 A=b C=d /bin/sh -c …` history entries). */
export function assignments(text: string): { name: string; value: string }[] {
  const found: { name: string; value: string }[] = [];
  const pattern = /(?:^|\s|\|\d+\s)([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g;
  for (const match of text.matchAll(pattern)) {
    found.push({ name: match[1], value: match[2].replace(/^(["'])(.*)\1$/, '$2') });
  }
  return found;
}

const SECRET_FLAG = /(pass(word|wd)?|secret|token|api-?key|requirepass|masterauth)$/i;

/**
 * Credentials in a command line (a healthcheck, a command, an entrypoint): `NAME=value`
 * assignments, `--password=…` / `--token …` options, mysql's `-pSECRET`, redis-cli's `-a SECRET`,
 * and values shaped like a key or a token anywhere. References (`$VAR`, `${VAR}`) are not secrets.
 */
export function commandSecrets(text: string): { name: string; value: string; kind: string }[] {
  const found: { name: string; value: string; kind: string }[] = [];
  const add = (name: string, value: string, kind: string | null): void => {
    if (kind && !found.some((entry) => entry.value === value)) found.push({ name, value, kind });
  };
  for (const { name, value } of assignments(text)) add(name, value, secretIn(name, value));
  for (const match of text.matchAll(/(?:^|\s)--?([A-Za-z][A-Za-z0-9_-]*)(?:=|\s+)("[^"]*"|'[^']*'|[^\s-]\S*)/g)) {
    const value = match[2].replace(/^(["'])(.*)\1$/, '$2');
    const flag = match[1];
    // Options named like a secret (`--password`, `--api-key`), and servers' own (`--requirepass`).
    if (isSecretName(flag.replace(/-/g, '_')) || SECRET_FLAG.test(flag))
      add(`--${flag}`, value, secretIn('password', value));
  }
  if (/\bmysql(admin|dump)?\b/.test(text)) {
    for (const match of text.matchAll(/(?:^|\s)-p(?!assword)([^\s$][^\s]*)/g))
      add('-p', match[1], secretIn('password', match[1]));
  }
  if (/\bredis-cli\b/.test(text)) {
    for (const match of text.matchAll(/(?:^|\s)-a\s+("[^"]*"|'[^']*'|\S+)/g)) {
      const value = match[1].replace(/^(["'])(.*)\1$/, '$2');
      add('-a', value, secretIn('password', value));
    }
  }
  for (const word of text.split(/\s+/)) add('a value', word, secretShape(word));
  return found;
}

/** The text with every one of these secrets replaced by `***` (give the longest first). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let shown = text;
  for (const secret of secrets) shown = shown.split(secret).join('***');
  return shown;
}
