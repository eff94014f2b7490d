import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, resolve } from 'node:path';
import type { BuildInputs } from '../docker/buildx.js';
import { UsageError } from '../util/errors.js';
import type { Settings } from './definitions.js';

// The build inputs of docker/build-push-action (secrets, secret-files, secret-envs, ssh,
// build-contexts, cache-from, cache-to, labels, network, add-hosts, pull), checked and made
// ready for buildx once, when the run starts: relative paths become absolute (from the workspace),
// so every build of a target — the build under test, the rebuild, the cache probe in a copy of
// the context, the baseline in a worktree — reads the same files. Errors name the input and the
// entry, never a secret's value.

export interface ResolvedBuildInputs {
  inputs: BuildInputs;
  /** What was left out and why (type=gha outside GitHub Actions), for the run's notes. */
  notes: string[];
}

/** An id buildx's CSV parameters (`id=…,src=…`) carry unquoted, as Dockerfiles name them. */
const ID = /^[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
/** `docker-image://`, `oci-layout://`, `https://`, `git@host:…`, `target:stage`: not a directory here. */
const NOT_A_PATH = /^([a-z][a-z0-9+.-]*:\/\/|git@|target:)/i;
/** The cache backends buildx knows. */
const CACHE_TYPES = new Set(['registry', 'local', 'inline', 'gha', 's3', 'azblob']);

export function resolveBuildInputs(
  settings: Settings,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedBuildInputs {
  const notes: string[] = [];
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(workspace, path));
  const inputs: BuildInputs = {
    secrets: Object.entries(settings.secrets).map(([id, value]) => {
      checkId('secrets', id);
      if (value === '')
        throw new UsageError(
          `secrets: ${id} has an empty value; a workflow secret that does not exist expands to nothing`,
        );
      return { id, value };
    }),
    secretFiles: Object.entries(settings.secretFiles).map(([id, path]) => {
      checkId('secret-files', id);
      const absolute = at(path.trim());
      if (!existsSync(absolute) || !statSync(absolute).isFile())
        throw new UsageError(`secret-files: ${id}: '${path.trim()}' is not a file (looked at ${absolute})`);
      return { id, path: absolute };
    }),
    secretEnvs: Object.entries(settings.secretEnvs).map(([id, name]) => {
      checkId('secret-envs', id);
      const variable = name.trim();
      if (!ENV_NAME.test(variable))
        throw new UsageError(`secret-envs: ${id}: '${variable}' is not an environment variable name`);
      if (!env[variable])
        throw new UsageError(
          `secret-envs: ${id} reads the environment variable ${variable}, which is ${env[variable] === undefined ? 'not set' : 'empty'}; set it in the step's env (a workflow secret that does not exist expands to nothing)`,
        );
      return { id, env: variable };
    }),
    ssh: settings.ssh.map((entry) => sshEntry(entry, at, env)),
    buildContexts: Object.entries(settings.buildContexts).map(([name, source]) => {
      const given = source.trim();
      if (!name || /[\s,]/.test(name))
        throw new UsageError(`build-contexts: '${name}' is not a context name (no spaces or commas)`);
      if (!given)
        throw new UsageError(`build-contexts: ${name} has no source; give name=path or name=docker-image://REF`);
      if (NOT_A_PATH.test(given)) return { name, source: given };
      const absolute = at(given);
      if (!existsSync(absolute))
        throw new UsageError(`build-contexts: ${name}: '${given}' does not exist (looked at ${absolute})`);
      return { name, source: absolute };
    }),
    cacheFrom: cacheEntries('cache-from', settings.cacheFrom, at, env, notes),
    cacheTo: cacheEntries('cache-to', settings.cacheTo, at, env, notes),
    labels: settings.labels,
    network: settings.network === 'default' ? null : settings.network,
    addHosts: settings.addHosts.map(hostEntry),
    pull: settings.pull,
    provenance: attestationOption('provenance', settings.provenance),
    sbom: attestationOption('sbom', settings.sbom),
    annotations: settings.imageAnnotations.map(annotationEntry),
  };
  return { inputs, notes };
}

/**
 * `provenance` / `sbom`: `true`, `false`, or buildx's comma-separated `key=value` fields
 * (`mode=max,builder-id=…`, `generator=IMAGE`); empty leaves buildx's default. Checked here so a
 * typo stops the run before a build, with the input named.
 */
function attestationOption(input: 'provenance' | 'sbom', raw: string): string | null {
  const value = raw.trim();
  if (value === '') return null;
  if (/^(true|false)$/i.test(value)) return value.toLowerCase();
  const fields = value.split(',').map((field) => field.trim());
  for (const field of fields) {
    const eq = field.indexOf('=');
    if (eq <= 0 || eq === field.length - 1)
      throw new UsageError(
        `${input}: '${field}' is not true, false or key=value (${input === 'provenance' ? 'mode=min or mode=max' : 'generator=IMAGE'})`,
      );
    const key = field.slice(0, eq);
    const given = field.slice(eq + 1);
    if (input === 'provenance' && key === 'mode' && !['min', 'max'].includes(given))
      throw new UsageError(`provenance: mode is min or max, not '${given}'`);
  }
  return fields.join(',');
}

/** Where buildx puts an annotation (`index`, `manifest`, their descriptors), optionally for one platform. */
const ANNOTATION_TYPE = /^(index|manifest|index-descriptor|manifest-descriptor)(\[[A-Za-z0-9_/-]+\])?$/;

/** As buildx parses `--annotation`: `key=value`, the key optionally `type[,type…]:key`. */
function annotationEntry(entry: string): string {
  const eq = entry.indexOf('=');
  const key = eq === -1 ? '' : entry.slice(0, eq);
  const colon = key.indexOf(':');
  const types = colon === -1 ? [] : key.slice(0, colon).split(',');
  const name = colon === -1 ? key : key.slice(colon + 1);
  if (!name.trim() || types.some((type) => !ANNOTATION_TYPE.test(type.trim())))
    throw new UsageError(
      `image-annotations: '${entry}' is not key=value, with index:, manifest:, manifest[linux/amd64]: (or several, index,manifest:) before it if anything`,
    );
  return entry;
}

function checkId(input: string, id: string): void {
  if (!ID.test(id))
    throw new UsageError(
      `${input}: '${id}' is not a secret id; use letters, digits, '_', '.' and '-' (the id RUN --mount=type=secret,id=… names)`,
    );
}

/** `default`, `id`, `id=path[,path…]` — an id alone forwards the agent at SSH_AUTH_SOCK. */
function sshEntry(entry: string, at: (path: string) => string, env: NodeJS.ProcessEnv): string {
  const eq = entry.indexOf('=');
  const id = eq === -1 ? entry : entry.slice(0, eq);
  if (!ID.test(id))
    throw new UsageError(`ssh: '${id}' is not an ssh id; use default, or letters, digits, '_', '.' and '-'`);
  if (eq === -1) {
    if (!env.SSH_AUTH_SOCK)
      throw new UsageError(
        `ssh: '${id}' forwards the agent at SSH_AUTH_SOCK, which is not set; start an agent (ssh-agent; in a workflow, an ssh-agent action) or give ${id}=<path of a key or an agent socket>`,
      );
    return id;
  }
  const paths = entry
    .slice(eq + 1)
    .split(',')
    .map((path) => path.trim());
  const absolute = paths.map((path) => {
    if (!path) throw new UsageError(`ssh: ${id}= needs the path of a key or an agent socket`);
    const full = at(path);
    if (!existsSync(full)) throw new UsageError(`ssh: ${id}: '${path}' does not exist (looked at ${full})`);
    return full;
  });
  return `${id}=${absolute.join(',')}`;
}

/** `host:ip` or `host=ip` (`ip` may be `host-gateway`), given to buildx as `host:ip`. */
function hostEntry(entry: string): string {
  const separator = /[=:]/.exec(entry);
  const host = separator ? entry.slice(0, separator.index) : entry;
  const ip = separator ? entry.slice(separator.index + 1).replace(/^\[(.*)\]$/, '$1') : '';
  if (!HOST.test(host) || !(ip === 'host-gateway' || isIP(ip)))
    throw new UsageError(
      `add-hosts: '${entry}' is not host:ip${ip && !isIP(ip) && ip !== 'host-gateway' ? ` ('${ip}' is not an IP address)` : ''}; e.g. db.internal:10.0.0.5`,
    );
  return `${host}:${ip}`;
}

/**
 * Cache lines as buildx takes them: `REF` (a registry), or `type=…,key=value,…`. Local paths become
 * absolute. type=gha needs the runner's cache service (ACTIONS_RUNTIME_TOKEN with ACTIONS_CACHE_URL
 * or ACTIONS_RESULTS_URL, which a JavaScript action receives): elsewhere it is left out, with a
 * note, as there is no cache to read or write. A line is never repeated in an error: it may hold
 * a token attribute.
 */
function cacheEntries(
  input: 'cache-from' | 'cache-to',
  entries: string[],
  at: (path: string) => string,
  env: NodeJS.ProcessEnv,
  notes: string[],
): string[] {
  const result: string[] = [];
  entries.forEach((entry, index) => {
    const where = `${input} line ${index + 1}`;
    if (!entry.includes('=')) {
      result.push(entry); // a registry reference, as buildx reads a bare value
      return;
    }
    const fields = entry.split(',').map((field) => field.trim());
    const attributes = new Map<string, string>();
    for (const field of fields) {
      const eq = field.indexOf('=');
      if (eq <= 0) throw new UsageError(`${where}: '${field.slice(0, 40)}' is not key=value; give type=…,key=value,…`);
      attributes.set(field.slice(0, eq), field.slice(eq + 1));
    }
    const type = attributes.get('type') ?? 'registry';
    if (!CACHE_TYPES.has(type))
      throw new UsageError(`${where}: unknown cache type '${type}'; buildx knows ${[...CACHE_TYPES].join(', ')}`);
    if (type === 'gha' && !(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL))) {
      notes.push(
        `${input}: type=gha left out: the GitHub Actions cache service is there only inside a GitHub Actions job (ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL are not set)`,
      );
      return;
    }
    if (type === 'registry' && !attributes.get('ref'))
      throw new UsageError(`${where}: type=registry needs ref=REGISTRY/NAME:TAG`);
    if (type === 'local') {
      const key = input === 'cache-from' ? 'src' : 'dest';
      const path = attributes.get(key);
      if (!path) throw new UsageError(`${where}: type=local needs ${key}=DIRECTORY`);
      attributes.set(key, at(path));
    }
    result.push([...attributes].map(([key, value]) => `${key}=${value}`).join(','));
  });
  return result;
}
