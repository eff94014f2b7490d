import type { CheckResult, ConfigIgnore } from '../model.js';

// Ignores from the config file: a check id, optionally a path (exact, or with * for any run of
// characters but /), a reason (required), and an expiry date after which the ignore stops
// applying — and the finding says it expired, so nothing is silenced forever by accident.

function matchesPath(pattern: string, file: string | undefined): boolean {
  if (!file) return false;
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      // A NUL stands in for `**` while single `*`s are rewritten: no path contains one.
      .replace(/\*\*/g, '\u0000')
      .replace(/\*/g, '[^/]*')
      // eslint-disable-next-line no-control-regex -- the placeholder, put back as `.*`
      .replace(/\u0000/g, '.*')}$`,
  );
  return regex.test(file);
}

export function applyConfigIgnores(results: CheckResult[], ignores: ConfigIgnore[], today: string): CheckResult[] {
  if (ignores.length === 0) return results;
  return results.map((result) => {
    if (result.status !== 'fail') return result;
    const ignore = ignores.find(
      (candidate) =>
        candidate.id === result.id &&
        (candidate.path === undefined || matchesPath(candidate.path, result.location?.file)),
    );
    if (!ignore) return result;
    if (ignore.until !== undefined && ignore.until < today) {
      return { ...result, message: `${result.message} (the ignore in ${ignore.source} expired on ${ignore.until})` };
    }
    return {
      ...result,
      status: 'skip',
      message: `ignored by ${ignore.source}${ignore.until ? ` until ${ignore.until}` : ''} (${ignore.reason}): ${result.message}`,
    };
  });
}
