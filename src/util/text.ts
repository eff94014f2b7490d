/**
 * A value from YAML or JSON as text: strings as written, numbers and booleans as JavaScript
 * prints them, null and undefined as empty, anything else as JSON (never "[object Object]").
 */
export function textOf(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return '';
    default:
      return value === null ? '' : (JSON.stringify(value) ?? '');
  }
}

/** A long command line cut to `max` characters for a message (the annotation's line shows the rest). */
export function clipped(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * The last lines a probe printed, for a message: each cut to `width` characters, as an
 * interpreter's error echoes a whole one-line program before the line that says what is wrong.
 */
export function lastOutputLines(output: string, count = 3, width = 200): string {
  return output
    .trim()
    .split('\n')
    .slice(-count)
    .map((line) => (line.length > width ? `${line.slice(0, width)}…` : line))
    .join(' | ');
}
