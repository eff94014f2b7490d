// Dockerfile variable substitution as BuildKit does it in FROM and elsewhere:
// $VAR, ${VAR}, ${VAR:-default}, ${VAR:+alternative}; an unset variable is empty.

export function expandVariables(text: string, lookup: (name: string) => string | null): string {
  return text.replace(
    /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (
      _,
      braced: string | undefined,
      operator: string | undefined,
      word: string | undefined,
      bare: string | undefined,
    ) => {
      const value = lookup((braced ?? bare)!);
      if (operator === '-') return value ? value : (word ?? '');
      if (operator === '+') return value ? (word ?? '') : '';
      return value ?? '';
    },
  );
}
