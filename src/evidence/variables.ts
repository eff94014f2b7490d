// Dockerfile variable substitution as BuildKit does it in FROM and elsewhere:
// $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative}; an unset variable is empty.

export function expandVariables(text: string, lookup: (name: string) => string | null): string {
  return resolveVariables(text, lookup).value;
}

/**
 * The text with its variables substituted, and the variables that had no value here (a build
 * argument without a default): where there are any, the value is only what BuildKit would see
 * with them empty, and a message must show the text as written instead.
 */
export function resolveVariables(
  text: string,
  lookup: (name: string) => string | null,
): { value: string; unresolved: string[] } {
  const unresolved: string[] = [];
  const value = text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _,
      braced: string | undefined,
      operator: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const name = (braced ?? bare)!;
      const value = lookup(name);
      if (operator === '-') return value ? value : (word ?? '');
      if (operator === '+') return value ? (word ?? '') : '';
      if (value === null) unresolved.push(name);
      return value ?? '';
    },
  );
  return { value, unresolved };
}

/** The value where it is whole, else the text as written: never a half-substituted mix. */
export function shown(text: string, lookup: (name: string) => string | null): string {
  const { value, unresolved } = resolveVariables(text, lookup);
  return unresolved.length === 0 ? value : text;
}
