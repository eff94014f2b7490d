// Compose's variable interpolation, as the compose specification defines it and `docker compose
// config` applies it: `$VAR`, `${VAR}`, `${VAR:-default}` (unset or empty), `${VAR-default}`
// (unset), `${VAR:?error}` / `${VAR?error}` (required), `${VAR:+alt}` / `${VAR+alt}`, `$$` for a
// literal `$`; defaults may themselves hold interpolations.

export type Lookup = (name: string) => string | undefined;

export interface Interpolation {
  value: string;
  /** Variables that were required (`:?`, `?`) but unset: compose would refuse the file. */
  missing: { name: string; message: string }[];
  /** Variables used without a value and without a default (they became empty). */
  unset: string[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolate(text: string, lookup: Lookup): Interpolation {
  const result: Interpolation = { value: '', missing: [], unset: [] };
  result.value = expand(text, lookup, result);
  return result;
}

function expand(text: string, lookup: Lookup, result: Interpolation): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const dollar = text.indexOf('$', i);
    if (dollar === -1) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      i = dollar + 2;
      continue;
    }
    if (next === '{') {
      const close = matchingBrace(text, dollar + 1);
      if (close === -1) {
        // An unterminated `${`: compose calls the file invalid; kept as written here.
        out += text.slice(dollar);
        break;
      }
      out += braced(text.slice(dollar + 2, close), lookup, result);
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(dollar + 1))?.[0];
    if (!name) {
      out += '$';
      i = dollar + 1;
      continue;
    }
    out += valueOf(name, lookup, result);
    i = dollar + 1 + name.length;
  }
  return out;
}

/** The `}` closing the `{` at `open`, counting nested `${…}`. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

function braced(inner: string, lookup: Lookup, result: Interpolation): string {
  const name = NAME.exec(inner)?.[0];
  if (!name) return `\${${inner}}`;
  const rest = inner.slice(name.length);
  if (rest === '') return valueOf(name, lookup, result);
  const value = lookup(name);
  const set = value !== undefined;
  const nonEmpty = set && value !== '';
  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!operator) return `\${${inner}}`;
  const word = () => expand(rest.slice(operator.length), lookup, result);
  switch (operator) {
    case ':-':
      return nonEmpty ? value : word();
    case '-':
      return set ? value : word();
    case ':?':
    case '?':
      if (operator === ':?' ? nonEmpty : set) return value!;
      result.missing.push({ name, message: word() || `${name} is required` });
      return '';
    case ':+':
      return nonEmpty ? word() : '';
    default:
      return set ? word() : '';
  }
}

function valueOf(name: string, lookup: Lookup, result: Interpolation): string {
  const value = lookup(name);
  if (value === undefined) {
    result.unset.push(name);
    return '';
  }
  return value;
}
