import { interpolate, type Lookup } from './interpolate.js';

// Env files as compose reads them (the project's `.env`, `--env-file`, a service's `env_file`),
// seen on compose 2.40: `KEY=VALUE` or `KEY: VALUE`, an optional `export `, `#` comments (in an
// unquoted value only after a space), single quotes taken literally, double quotes with `\n`
// escapes and spanning lines, `${VAR}` interpolated in unquoted and double-quoted values (from the
// environment first, then the file's own earlier keys), and a bare `KEY` taken from the
// environment (left out when it is unset). Every entry keeps its line, so a finding about a value
// lands where the value is written.

export interface EnvEntry {
  name: string;
  value: string;
  /** 1-based line of the key. */
  line: number;
}

export interface ParsedEnvFile {
  entries: EnvEntry[];
  /** Required variables (`${VAR:?…}`) without a value: compose refuses the file. */
  missing: { name: string; message: string; line: number }[];
  /** A line compose cannot read (an unterminated quote, a bad key). */
  problem: { message: string; line: number } | null;
}

const KEY = /^[A-Za-z0-9_.-]+$/;

export function parseEnvFile(text: string, lookup: Lookup = () => undefined): ParsedEnvFile {
  const result: ParsedEnvFile = { entries: [], missing: [], problem: null };
  const own = new Map<string, string>();
  const resolve: Lookup = (name) => lookup(name) ?? own.get(name);
  const expand = (value: string, line: number): string => {
    const expanded = interpolate(value, resolve);
    for (const missing of expanded.missing) result.missing.push({ ...missing, line });
    return expanded.value;
  };
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = index + 1;
    const raw = lines[index].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const statement = raw.replace(/^export\s+/, '');
    const separator = /[=:]/.exec(statement);
    if (!separator) {
      // A bare name: the environment's value, or nothing.
      if (!KEY.test(statement)) {
        result.problem ??= { message: `unexpected character in variable name near "${statement}"`, line };
        continue;
      }
      const inherited = lookup(statement);
      if (inherited !== undefined) add(result, own, statement, inherited, line);
      continue;
    }
    const name = statement.slice(0, separator.index).trim();
    if (!KEY.test(name)) {
      result.problem ??= { message: `unexpected character in variable name near "${statement}"`, line };
      continue;
    }
    let rest = statement.slice(separator.index + 1).replace(/^[ \t]+/, '');
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      // A quoted value ends at the next unescaped quote, possibly lines further down.
      let body = rest.slice(1);
      let end = closingQuote(body, quote);
      while (end === -1 && index + 1 < lines.length) {
        index++;
        body += `\n${lines[index]}`;
        end = closingQuote(body, quote);
      }
      if (end === -1) {
        result.problem ??= { message: `unterminated quoted value ${rest.split('\n')[0]}`, line };
        break;
      }
      rest = body.slice(0, end);
      add(result, own, name, quote === "'" ? rest : expand(unescape(rest), line), line);
      continue;
    }
    // Unquoted: a comment starts at a `#` after whitespace.
    const value = rest.replace(/\s+#.*$/, '').trimEnd();
    add(result, own, name, expand(value, line), line);
  }
  return result;
}

function add(result: ParsedEnvFile, own: Map<string, string>, name: string, value: string, line: number): void {
  own.set(name, value);
  const existing = result.entries.findIndex((entry) => entry.name === name);
  if (existing !== -1) result.entries.splice(existing, 1);
  result.entries.push({ name, value, line });
}

function closingQuote(text: string, quote: string): number {
  for (let i = 0; i < text.length; i++) if (text[i] === quote && text[i - 1] !== '\\') return i;
  return -1;
}

/** `\n`, `\r` and escaped quotes and backslashes of a double-quoted value. */
function unescape(text: string): string {
  return text.replace(/\\([nr"'\\])/g, (_, char: string) => (char === 'n' ? '\n' : char === 'r' ? '\r' : char));
}

/** The names and values only, later keys winning (what `.env` gives interpolation). */
export function envValues(parsed: ParsedEnvFile): Record<string, string> {
  return Object.fromEntries(parsed.entries.map((entry) => [entry.name, entry.value]));
}

/**
 * Committed examples users copy to the real file (`.env.example` → `.env`): the first one that
 * exists stands in for a missing env file when the user asks for it (`compose-env-example`).
 */
export function exampleNamesFor(name: string): string[] {
  const base = name.replace(/^.*\//, '');
  const dir = name.slice(0, name.length - base.length);
  const stem = base.replace(/^\./, '');
  const candidates = [
    `${base}.example`,
    `${base}.sample`,
    `${base}.dist`,
    `${base}.template`,
    `${stem}.example`,
    `${stem}.sample`,
    `example.${stem}`,
    `sample.${stem}`,
  ];
  if (stem === 'env') candidates.push('env.example', 'env.sample', 'example.env', 'sample.env');
  return [...new Set(candidates)].map((candidate) => `${dir}${candidate}`);
}
