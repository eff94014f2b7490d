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
