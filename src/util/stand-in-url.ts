import { placeholderSecret } from './secrets.js';

// A connection URL written for a build step that needs one to exist, not to connect anywhere:
// `postgresql://user:pass@localhost:5432/dummy` (a framework's build reads DATABASE_URL, and
// nothing listens at build time). Judged whole, as a reader would: generic credentials, a host
// that is this machine or a reserved example name, a database named to say it is not one.

/** Hosts that are this machine, or names reserved never to be real (RFC 2606, RFC 6761). */
const STAND_IN_HOST =
  /^(localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[?::1\]?|([\w-]+\.)*(example(\.(com|org|net))?|invalid|test|localhost))$/i;
const GENERIC_USER = /^(user|username|usr|login|admin|root|postgres|test)$/i;
const GENERIC_PASSWORD = /^(pass|password|passwd|pwd|secret|test)$/i;
const STAND_IN_NAME = /^(dummy|example|placeholder|sample|test|fake|none|build)$/i;

const URL_PARTS = /\b[a-z][a-z0-9+.-]*:\/\/([^\s:/@"'`]*):([^\s@/"'`]*)@([^\s/:?#"'`]+)(?::\d+)?(?:\/([^\s?#"'`]*))?/gi;

/**
 * Every URL with a password in `value` is a stand-in: its password a placeholder (`changeme`,
 * `dummy…`), or at least two of: generic credentials (`user:pass`), a loopback or example host,
 * a database named dummy, example, test… False where there is no such URL.
 */
export function standInUrl(value: string): boolean {
  const urls = [...value.matchAll(URL_PARTS)];
  return (
    urls.length > 0 &&
    urls.every(([, user, password, host, path]) => {
      if (placeholderSecret(password)) return true;
      const signs = [
        GENERIC_USER.test(user) && GENERIC_PASSWORD.test(password),
        STAND_IN_HOST.test(host),
        STAND_IN_NAME.test((path ?? '').split('/')[0] ?? ''),
      ];
      return signs.filter(Boolean).length >= 2;
    })
  );
}
