import { UsageError } from '../util/errors.js';

// How one input's text becomes a value. Every parser names the input and the expected form in
// its error, because the user sees nothing else ("max-image-size-mb: '500XB' is not a number").

export interface InputKind<T> {
  /** The form, as the docs show it: "number", "true | false", "list". */
  form: string;
  parse(raw: string, name: string): T;
}

export const text: InputKind<string> = {
  form: 'text',
  parse: (raw) => raw.trim(),
};

export function number(options: { min?: number; integer?: boolean; unit?: string } = {}): InputKind<number> {
  const min = options.min ?? 0;
  const what = options.integer ? 'a whole number' : 'a number';
  const example = options.unit ? ` of ${options.unit}` : '';
  return {
    form: options.integer ? 'whole number' : 'number',
    parse(raw, name) {
      const value = raw.trim();
      const pattern = options.integer ? /^-?\d+$/ : /^-?(\d+(\.\d*)?|\.\d+)$/;
      if (!pattern.test(value)) {
        throw new UsageError(
          `${name}: '${raw}' is not ${what}; give ${what}${example}, e.g. ${name}: ${options.integer ? 20 : 500}`,
        );
      }
      const parsed = Number(value);
      if (parsed < min)
        throw new UsageError(`${name}: ${value} is below ${min}; give ${what}${example} of at least ${min}`);
      return parsed;
    },
  };
}

/** YAML 1.2 core booleans, as GitHub's core.getBooleanInput accepts them. */
export const boolean: InputKind<boolean> = {
  form: 'true | false',
  parse(raw, name) {
    const value = raw.trim();
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw new UsageError(`${name}: '${raw}' is not a boolean; give true or false`);
  },
};

export function oneOf<const T extends string>(choices: readonly T[]): InputKind<T> {
  return {
    form: choices.join(' | '),
    parse(raw, name) {
      const value = raw.trim() as T;
      if (!choices.includes(value)) {
        throw new UsageError(`${name}: '${raw}' is not one of ${choices.join(', ')}`);
      }
      return value;
    },
  };
}

/** Items separated by newlines or commas; blank items and surrounding space dropped. */
export const list: InputKind<string[]> = {
  form: 'list (comma- or newline-separated)',
  parse: (raw) =>
    raw
      .split(/[\n,]/)
      .map((item) => item.trim())
      .filter((item) => item !== ''),
};

/** One item per line (values may contain commas): build args, environment variables. */
export const lines: InputKind<string[]> = {
  form: 'lines',
  parse: (raw) =>
    raw
      .split('\n')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
};

/** KEY=VALUE, one per line. The value may contain '=' and commas. */
export const keyValues: InputKind<Record<string, string>> = {
  form: 'KEY=VALUE lines',
  parse(raw, name) {
    const result: Record<string, string> = {};
    for (const line of lines.parse(raw, name)) {
      const eq = line.indexOf('=');
      if (eq <= 0) throw new UsageError(`${name}: '${line}' is not KEY=VALUE`);
      result[line.slice(0, eq).trim()] = line.slice(eq + 1);
    }
    return result;
  },
};

/**
 * Secret values, `id=value` one per line, as docker/build-push-action's `secrets` takes them: the
 * value is kept as written (spaces and `=` included). An error names the line, never its text:
 * a line without `=` may be the secret itself.
 */
export const secretValues: InputKind<Record<string, string>> = {
  form: 'KEY=VALUE lines',
  parse(raw, name) {
    const result: Record<string, string> = {};
    raw.split('\n').forEach((text, index) => {
      const line = text.replace(/\r$/, '');
      if (line.trim() === '') return;
      const eq = line.indexOf('=');
      if (eq <= 0 || line.slice(0, eq).trim() === '')
        throw new UsageError(
          `${name}: line ${index + 1} is not id=value (the line is not shown: it may hold the secret); give one id=value per line`,
        );
      result[line.slice(0, eq).trim()] = line.slice(eq + 1);
    });
    return result;
  },
};

/** KEY=VALUE items separated by newlines or commas (docker/build-push-action's "List/CSV"). */
export const keyValueList: InputKind<Record<string, string>> = {
  form: 'KEY=VALUE list (comma- or newline-separated)',
  parse(raw, name) {
    return keyValues.parse(list.parse(raw, name).join('\n'), name);
  },
};
