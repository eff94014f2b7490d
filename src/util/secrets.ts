// Recognising credentials by name and by the shape of the value, and saying so without ever
// repeating the value: reports name the variable and the kind of secret, not its content; any
// text from a file or an image that is echoed (a command, a probe) goes through maskSecrets.

/** Names that announce a secret (…_PASSWORD, API_KEY, GITHUB_TOKEN, aws_secret_access_key…). */
const SECRET_NAME =
  /(^|[_.-])(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|auth[_-]?token|client[_-]?secret|(encryption|signing|master|session|jwt|hmac|cookie)[_-]?key)($|[_.-])/i;

/** The same words glued to a prefix (PGPASSWORD, DBPASSWORD, APPSECRET), and clients' own variables. */
const GLUED_SECRET_NAME = /(password|passwd|passphrase|secret|token)$|^(mysql_pwd|rediscli_auth|sshpass)$/i;

/** Names that point at a secret rather than hold one, or say where or how it is read. */
const REFERENCE_NAME = /(_FILE|_PATH|_DIR|_LOCATION|_REF|_NAME|_ID|_STDIN|_FD|_ENV|_CMD|_COMMAND|_HELPER|_PROMPT)$/i;

/**
 * Names that describe how secrets are handled rather than hold one: MAILCOW_PASS_SCHEME,
 * PASSWORD_MIN_LENGTH, TOKEN_EXPIRY, SECRET_ROTATION_DAYS.
 */
const PROPERTY_NAME =
  /[_.-](scheme|algo|algorithm|length|min|max|min_length|max_length|policy|expiry|expires|expiration|ttl|timeout|lifetime|age|days|type|method|mode|format|enabled|disabled|required|rounds|cost|strength|complexity|attempts|retries|header|prefix|issuer|audience|url|endpoint|host|port|user|username)$/i;

/** Values that say "no value": a placeholder or a switch, never a credential. */
const PLACEHOLDER = /^(invalid|none|null|nil|disabled?|unset|undefined|true|false|yes|no|on|off|0|1|<[^<>]*>)$/i;

const SHAPES: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
  [/\b[sr]k_live_[A-Za-z0-9]{16,}\b/, 'a Stripe secret key'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/\bnpm_[A-Za-z0-9]{36}\b/, 'an npm token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, 'a JSON Web Token'],
];

/** `scheme://user:password@host`: the password, unless it is a reference (`:${DB_PASSWORD}@`). */
// A header-like name that holds no credential: a plural (a collection of them) or a reference.
const HEADER_NAMING_NO_CREDENTIAL = /(?:s|[-_](?:files?|envs?|paths?|dirs?|names?|refs?))$/i;
const URL_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'`]+:(?!\$)([^\s@/"'`]+)@/gi;

export function secretShape(value: string): string | null {
  for (const [pattern, kind] of SHAPES) if (pattern.test(value)) return kind;
  URL_PASSWORD.lastIndex = 0;
  return URL_PASSWORD.test(value) ? 'a password inside a URL' : null;
}

export function isSecretName(name: string): boolean {
  return (
    (SECRET_NAME.test(name) || GLUED_SECRET_NAME.test(name)) && !REFERENCE_NAME.test(name) && !PROPERTY_NAME.test(name)
  );
}

/** A value read at run time rather than written: `$VAR`, `${VAR}`, `$(cat /run/secrets/x)`, a back-quoted command. */
function isReference(value: string): boolean {
  return /^\$+[({A-Za-z_]/.test(value) || value.startsWith('`');
}

/**
 * `${NAME:-default}` (or `-`, `:=`, `=`): the default written in it, and where it starts in the
 * value — a literal all the same when the variable is unset (`-p${DB_PASSWORD:-changeme}`).
 */
function writtenDefault(value: string): { text: string; offset: number } | null {
  const match = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=]([^}]*)\}?$/.exec(value);
  if (!match || match[1] === '' || isReference(match[1])) return null;
  return { text: match[1], offset: value.indexOf(match[1], 3) };
}

const unquote = (value: string): string => value.replace(/^(["'])(.*)\1$/s, '$2');

/** What kind of secret `name=value` carries, or null: empty values, placeholders, paths and references are none. */
export function secretIn(name: string, value: string): string | null {
  const trimmed = unquote(value.trim()).trim();
  if (isReference(trimmed)) {
    const fallback = writtenDefault(trimmed);
    return fallback ? secretIn(name, fallback.text) : null;
  }
  if (trimmed === '') return null;
  const shape = secretShape(trimmed);
  if (shape) return shape;
  if (!isSecretName(name)) return null;
  if (PLACEHOLDER.test(trimmed)) return null;
  if (trimmed.startsWith('/') && !trimmed.includes(' ')) return null; // a path to a secret file
  return 'a literal value for a secret-looking name';
}

/**
 * A value that stands for a secret rather than being one (`changeme`, `your_password`, `<token>`,
 * `xxxx`): committed as a default it is still a weakness — the stack runs with it where nobody
 * sets the variable — but it gives nothing away.
 */
export function placeholderSecret(value: string): boolean {
  const text = value.trim().toLowerCase();
  return (
    /^(change[-_ ]?(me|it|this)|changeme\d*|password\d*|passwd|secret|example|sample|placeholder|todo|fixme|replace[-_ ]?me|set[-_ ]?me|default|test|dummy|none|null)$/.test(
      text,
    ) ||
    /^<[^>]*>$/.test(text) ||
    /^\[[^\]]*\]$/.test(text) ||
    /^(x+|\*+|\.+|-+)$/.test(text) ||
    /^(your|my|some|the|insert|enter|put)[-_ ]?[a-z_-]*$/.test(text) ||
    /(change|replace)[-_ ]?(me|it|this|with)|random[-_ ]?(string|value|secret)|generate[-_ ]?(one|a|me)/.test(text) ||
    // Words a real credential never carries: a build-time stand-in (`dummyKeyWithMinimumLength---`).
    /dummy|placeholder|not[-_ ]?a[-_ ]?(real[-_ ]?)?secret|fake[-_ ]?(key|secret|token|password)|example[-_ ]?(key|secret|token|password)/.test(
      text,
    )
  );
}

/** Defaults everyone tries first: a value that is one of these gives nothing away. */
const WELL_KNOWN =
  /^(postgres|root|admin|administrator|guest|user|mysql|mariadb|redis|mongo|mongodb|rabbitmq|elastic|test|pass|password|passwd|secret|changeme|letmein|qwerty|default|demo|toor)\d*$|^\d{1,8}$|^(123|1234|12345|123456|abc123)\w{0,3}$/;

/**
 * A weak default rather than a credential: a well-known default (`postgres`, `admin`, `test123`,
 * `123`), a value of four characters or fewer, or one built on a name around it — the user or
 * database beside it, the service, the image, the project (`umami` for user umami, `listmonk-dev`,
 * `wikijsrocks` for user wikijs). Committed, it is a weakness the stack ships with, not a secret
 * it gives away.
 */
export function weakDefault(value: string, around: readonly string[] = []): boolean {
  const text = value.trim().toLowerCase();
  if (text.length <= 4 || WELL_KNOWN.test(text)) return true;
  return around
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name.length >= 4)
    .some((name) => text === name || text.startsWith(name) || (text.length >= 5 && name.startsWith(text)));
}

/** The user and password of `scheme://user:password@host/database`, when the value is such a URL. */
export function urlCredentials(value: string): { user: string; password: string; rest: string } | null {
  const match = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:/@"'`]+):([^\s@/"'`]+)@([^\s"'`]*)/i.exec(value);
  return match ? { user: match[1], password: match[2], rest: match[3] } : null;
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

/** A credential in a text, where it is: `text.slice(start, end)` is the value. */
export interface FoundSecret {
  /** What carries it: the variable (`PGPASSWORD`), the option (`-p`, `--requirepass`), `a URL`, `a value`. */
  name: string;
  value: string;
  kind: string;
  start: number;
  end: number;
}

interface Span {
  value: string;
  start: number;
  end: number;
}

/** A word of a command: its text without what wraps it, and where the word as written starts. */
interface Word extends Span {
  rawStart: number;
}

/** Options whose value is a credential in any program (`--password=…`, `--requirepass …`, `--api-key …`). */
const SECRET_FLAG = /(pass(word|wd)?|secret|token|api-?key|requirepass|masterauth)$/i;

/**
 * Programs whose short options carry a credential: `attached` (`-pSECRET`), `separate`
 * (`-a SECRET`); `passwordNeedsEquals`: `--password x` names something else (mysql prompts and
 * reads x as the database), only `--password=x` is the password.
 */
const PROGRAMS: { program: RegExp; attached?: string; separate?: string; passwordNeedsEquals?: boolean }[] = [
  {
    program:
      /^(mysql|mysqladmin|mysqldump|mysqlcheck|mysqlshow|mysqlimport|mysqlpump|mysqlsh|mariadb|mariadb-[a-z-]+)$/,
    attached: '-p',
    passwordNeedsEquals: true,
  },
  { program: /^sqlcmd$/, attached: '-P', separate: '-P' },
  { program: /^(redis-cli|valkey-cli|keydb-cli)$/, separate: '-a' },
  { program: /^(mongo|mongosh|mongodump|mongorestore|mongoexport|mongoimport)$/, separate: '-p' },
  { program: /^sshpass$/, attached: '-p', separate: '-p' },
  { program: /^docker login$/, separate: '-p' },
];

/** PostgreSQL's clients: `-p` is the port, and `-W`/`--password` only makes them ask for one. */
const POSTGRES_CLIENT =
  /^(psql|pg_isready|pg_dump|pg_dumpall|pg_restore|pg_basebackup|createdb|dropdb|createuser|dropuser|vacuumdb|reindexdb|clusterdb)$/;

/** Other programs whose options are read here. */
const OTHER_PROGRAMS =
  /^(curl|wget|htpasswd|openssl|redis-server|valkey-server|keydb-server|docker|sh|bash|ash|dash|zsh)$/;

/** What may wrap a word of a command echoed as text or as a JSON array: quotes, brackets, `$(`. */
const WRAP_START = /^(?:["'`[({,;]|\$\()+/;
const WRAP_END = /["'`\])},;]+$/;

/** The words of a text (split at whitespace), each without what wraps it, with where it is. */
function wordsOf(text: string, offset: number): Word[] {
  const words: Word[] = [];
  // At whitespace, and between the items of a JSON array written without it (`["sh","-c","…"]`).
  for (const match of text.matchAll(/(?:[^\s"]|"(?!,"))+"?/g)) {
    const raw = match[0];
    const lead = WRAP_START.exec(raw)?.[0].length ?? 0;
    const trail = WRAP_END.exec(raw.slice(lead))?.[0].length ?? 0;
    const start = offset + match.index + lead;
    const end = offset + match.index + raw.length - trail;
    if (end > start)
      words.push({ value: raw.slice(lead, raw.length - trail), start, end, rawStart: offset + match.index });
  }
  return words;
}

/** The value that starts at `start` of `text`: quoted (to the closing quote), or to the end of the word. */
function valueAt(text: string, start: number): Span | null {
  const quote = text[start];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, start + 1);
    return close === -1 ? null : { value: text.slice(start + 1, close), start: start + 1, end: close };
  }
  let end = start;
  while (end < text.length && !/[\s"'`]/.test(text[end])) end++;
  while (end > start && /[,;)\]}]/.test(text[end - 1])) end--;
  return end > start ? { value: text.slice(start, end), start, end } : null;
}

/** The value a word holds, quotes understood (`-a "s3cret"`, `"$(cat /run/secrets/x)"`). */
function valueOfWord(text: string, word: Word): Span | null {
  let start = word.rawStart;
  while (start < word.start && /[({,;]/.test(text[start])) start++;
  return valueAt(text, start);
}

/** The kind of a credential given as an option's value; openssl's `env:`, `file:`… say where it is read from. */
function optionValue(span: Span | null): string | null {
  if (!span || /^(env|file|fd|stdin)(:|$)/.test(span.value)) return null;
  return secretIn('password', span.value.replace(/^pass:/, ''));
}

/**
 * Credentials in a command line (a healthcheck, a command, an entrypoint, a RUN), with where each
 * is: `NAME=value` assignments (`PGPASSWORD=… psql`, `MYSQL_PWD=…`), `--password=…` / `--token …`
 * options, mysql's `-pSECRET`, sqlcmd's `-P`, redis-cli's `-a`, mongo's and `docker login`'s `-p`,
 * curl's `-u user:pass`, `htpasswd -b`, `echo user:pass | chpasswd`, `Authorization:` and key
 * headers, a password in a URL, and values shaped like a key or a token anywhere. References
 * (`$VAR`, `${VAR}`, `$(…)`) are not secrets, nor is a PostgreSQL client's `-p 5432`.
 */
export function commandSecrets(text: string): FoundSecret[] {
  const found: FoundSecret[] = [];
  const add = (name: string, written: Span | null, kind: string | null): void => {
    let span = written;
    // A reference holds nothing, except the default it writes; what maskSecrets hid is gone.
    if (span && isReference(span.value)) {
      const fallback = writtenDefault(span.value);
      span = fallback && {
        value: fallback.text,
        start: span.start + fallback.offset,
        end: span.start + fallback.offset + fallback.text.length,
      };
    }
    if (!span || !kind || span.value === '' || span.value.startsWith('[redacted')) return;
    if (found.some((entry) => entry.start < span.end && span.start < entry.end)) return;
    found.push({ name, kind, ...span });
  };
  // One simple command at a time (`a; b && c | d`), each with its own program.
  let offset = 0;
  for (const part of text.split(/(;|&&|\|\||\||\n)/)) {
    if (!/^(;|&&|\|\||\||\n)$/.test(part)) scanCommand(text, wordsOf(part, offset), add);
    offset += part.length;
  }
  // `echo user:password | chpasswd`
  if (/\bchpasswd\b/.test(text)) {
    for (const match of text.matchAll(/\b(?:echo|printf)\s+(?:-\w+\s+)*["']?[A-Za-z_][\w.-]*:(?=[^\s"':])/g)) {
      const span = valueAt(text, match.index + match[0].length);
      add('chpasswd', span, span ? secretIn('password', span.value) : null);
    }
  }
  // `Authorization: Bearer …`, `X-Api-Key: …`, `X-Secret-Key: …` (curl -H, wget --header). A
  // name in the plural or naming a reference (`secrets: line 1…`, `secret-files: npmrc…`,
  // `X-Token-File: …`: an input's name heading a message about it, a path) holds no credential.
  for (const match of text.matchAll(
    /(?<![\w${-])(authorization|proxy-authorization|[\w-]*(?:token|api-?key|secret|password)[\w-]*)\s*:(?![-=?+])\s*(?:(?:bearer|basic|token|digest)\s+)?(?=[^\s"'])/gi,
  )) {
    if (HEADER_NAMING_NO_CREDENTIAL.test(match[1])) continue;
    add(match[1], valueAt(text, match.index + match[0].length), 'a credential in a header');
  }
  // `scheme://user:password@host`
  for (const match of text.matchAll(URL_PASSWORD)) {
    const start = match.index + match[0].length - 1 - match[1].length;
    add('a URL', { value: match[1], start, end: start + match[1].length }, 'a password inside a URL');
  }
  // Values shaped like a key or a token, wherever they are.
  for (const word of wordsOf(text, 0)) {
    for (const [pattern, kind] of SHAPES) {
      const match = pattern.exec(word.value);
      if (match) {
        const start = word.start + match.index;
        add('a value', { value: match[0], start, end: start + match[0].length }, kind);
      }
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** One simple command's words: assignments, then options read by the program they belong to. */
function scanCommand(
  text: string,
  words: Word[],
  add: (name: string, span: Span | null, kind: string | null) => void,
): void {
  let program = '';
  words.forEach((word, index) => {
    const next = words[index + 1];
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word.value);
    if (assignment) {
      const span = valueAt(text, word.start + assignment[0].length);
      add(assignment[1], span, span ? secretIn(assignment[1], span.value) : null);
      return;
    }
    if (!word.value.startsWith('-')) {
      const name = word.value.slice(word.value.lastIndexOf('/') + 1);
      if (program === 'docker' && name === 'login') program = 'docker login';
      else if (
        PROGRAMS.some((entry) => entry.program.test(name)) ||
        POSTGRES_CLIENT.test(name) ||
        OTHER_PROGRAMS.test(name)
      )
        program = name;
      return;
    }
    const rule = PROGRAMS.find((entry) => entry.program.test(program));
    const short = /^(-[A-Za-z])(.*)$/s.exec(word.value);
    if (rule && short) {
      if (short[2] !== '' && rule.attached === short[1]) {
        const span = valueAt(text, word.start + 2);
        return add(short[1], span, optionValue(span));
      }
      if (short[2] === '' && rule.separate === short[1] && next && !next.value.startsWith('-')) {
        const span = valueOfWord(text, next);
        return add(short[1], span, optionValue(span));
      }
    }
    if (program === 'curl') {
      // -u/--user/--proxy-user user:password (without a colon curl asks for the password)
      const user = /^(-u|-U|--user|--proxy-user)(=?)(.*)$/s.exec(word.value);
      if (user) {
        const span =
          user[3] !== ''
            ? valueAt(text, word.start + user[1].length + user[2].length)
            : next
              ? valueOfWord(text, next)
              : null;
        const colon = span ? span.value.indexOf(':') : -1;
        if (span && colon > 0) {
          const password = { value: span.value.slice(colon + 1), start: span.start + colon + 1, end: span.end };
          add(user[1], password, optionValue(password));
        }
        return;
      }
    }
    if (program === 'htpasswd' && /^-[a-zA-Z]*b[a-zA-Z]*$/.test(word.value)) {
      // htpasswd -b[c] file user password, htpasswd -nb user password
      const operands = words.slice(index + 1).filter((entry) => !entry.value.startsWith('-'));
      const password = operands[word.value.includes('n') ? 1 : 2];
      const span = password ? valueOfWord(text, password) : null;
      return add('htpasswd -b', span, optionValue(span));
    }
    // Options named like a credential, in any program: --password=…, --requirepass …, -pass pass:…
    const option = /^(--?)([A-Za-z][A-Za-z0-9_-]*)(=?)/.exec(word.value);
    if (!option || /^no-/.test(option[2])) return;
    const [, dashes, flag, equals] = option;
    if (!(isSecretName(flag.replace(/-/g, '_')) || SECRET_FLAG.test(flag))) return;
    if (POSTGRES_CLIENT.test(program) && /^pass(word)?$/.test(flag)) return;
    if (equals)
      return add(
        `${dashes}${flag}`,
        valueAt(text, word.start + option[0].length),
        optionValue(valueAt(text, word.start + option[0].length)),
      );
    if (!next || next.value.startsWith('-')) return;
    if (dashes === '--' && !(rule?.passwordNeedsEquals && /^pass/.test(flag)))
      return add(`--${flag}`, valueOfWord(text, next), optionValue(valueOfWord(text, next)));
    if (dashes === '-' && /^pass(in|out)?$/.test(flag)) {
      // openssl -pass pass:SECRET: the secret follows `pass:`
      const span = valueOfWord(text, next);
      const prefix = span?.value.startsWith('pass:') ? 5 : 0;
      add(
        `-${flag}`,
        span && { value: span.value.slice(prefix), start: span.start + prefix, end: span.end },
        optionValue(span),
      );
    }
  });
}

/**
 * The text with every credential in it replaced by `[redacted]`: for any output that echoes a
 * command or a value read from a file or an image (messages, the log, the summary, SARIF…).
 * Masking masked text changes nothing.
 */
export function maskSecrets(text: string): string {
  const found = commandSecrets(text);
  if (found.length === 0) return text;
  let masked = '';
  let at = 0;
  for (const secret of found) {
    masked += `${text.slice(at, secret.start)}[redacted]`;
    at = secret.end;
  }
  return masked + text.slice(at);
}

/** The text with every one of these secrets replaced by `***` (give the longest first). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let shown = text;
  for (const secret of secrets) shown = shown.split(secret).join('***');
  return shown;
}

/**
 * A file that carries a credential, whether in the build context or in the image: a private key
 * by its content (anywhere), else by name outside third-party package trees (their fixtures and
 * `credentials/` packages are code, not the app's secrets) — `.env` files but their examples,
 * an SSH key file whose content could not be read, keystores, `.htpasswd`, `credentials.json`, a
 * token file (`.npmrc`, `.pypirc`, `.netrc`) that holds one, the data under a `credentials/`,
 * `.aws/` or `.ssh/` directory (source code there is a module named so). `path` is relative (no
 * leading slash); `content` is what was read of it ('' when nothing was: key-like names are read).
 */
export function isSecretFile(path: string, content: string): boolean {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(content)) return true;
  if (THIRD_PARTY_TREE.test(path)) return false;
  const name = path.slice(path.lastIndexOf('/') + 1);
  return (
    (/^\.env(\..+)?$/.test(name) && !/\.(example|sample|template|dist)$/.test(name)) ||
    (/^id_(rsa|dsa|ecdsa|ed25519)$/.test(name) && content === '') ||
    /^(\.htpasswd|credentials\.json|[^/]*\.(p12|pfx|jks|keystore))$/.test(name) ||
    (/^\.(npmrc|pypirc|netrc)$/.test(name) && /(_authToken|_auth\s*=|password)/i.test(content)) ||
    (/(^|\/)(credentials|\.aws|\.ssh)\//.test(path) && !SOURCE_CODE.test(name))
  );
}

// Where package managers unpack other people's code: npm, vendor/, Python, Go's module cache,
// gems as `<name>-<version>/` (not an app folder that happens to be called gems/), Maven, Cargo.
const THIRD_PARTY_TREE =
  /(^|\/)(node_modules|vendor|site-packages|dist-packages|pkg\/mod|\.m2\/repository|cargo\/registry)\/|(^|\/)gems\/[^/]+-\d[^/]*\//;
const SOURCE_CODE = /\.(py|js|mjs|cjs|ts|go|rb|java|kt|php|rs|cs|c|h|cc|cpp|scala|ex|exs|swift|lua|pl)$/;
