import { posix } from 'node:path';
import { parseImageReference } from './image-reference.js';

// What commands are, as the Dockerfile, compose and runtime checks all need to tell: a health
// probe that cannot fail, an init or a shell as PID 1, a step that installs dependencies.

/** Probes that pass whatever the state of the service. */
export function fakeProbe(command: string): string | null {
  const text = command.trim().replace(/^\[(.*)\]$/, (_, inner: string) =>
    inner
      .split(',')
      .map((word) => word.trim().replace(/^"(.*)"$/, '$1'))
      .join(' '),
  );
  if (
    /^(\/bin\/|\/usr\/bin\/)?true$/.test(text) ||
    /^exit\s+0$/.test(text) ||
    /^(\/bin\/)?(echo|printf)\b[^|;&]*$/.test(text)
  )
    return 'always succeeds';
  if (/\|\|\s*(exit\s+0|true|:)\s*$/.test(text)) return 'turns every failure into success';
  if (/;\s*exit\s+0\s*$/.test(text)) return 'ends with exit 0 whatever happened';
  if (/^python[\d.]*\s+-c\s+["']?\s*import sys\s*;\s*sys\.exit\(\s*0?\s*\)\s*["']?$/.test(text))
    return 'exits 0 without testing anything';
  return null;
}

/**
 * Programs that, as PID 1, forward the stop signal to what they run and reap orphans, by their
 * documented contract: tini (and Docker's own docker-init), dumb-init, catatonit, s6-svscan (what
 * s6-overlay's /init becomes), runit's runsvdir, supervisord (it stops its programs on SIGTERM and
 * waits for any child), phusion's my_init, and pid1.
 */
const INITS = new Set([
  'tini',
  'tini-static',
  'dumb-init',
  'docker-init',
  'catatonit',
  's6-svscan',
  'runsvdir',
  'supervisord',
  'my_init',
  'pid1',
]);
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'mksh']);

export type InitKind = 'init' | 'shell' | 'app' | 'unknown';

export interface Pid1Hints {
  /**
   * The image carries s6-overlay (its installer, files or S6_ settings): then `/init` is
   * s6-overlay's entry point, which becomes s6-svscan. Any other `/init` is just a program of that
   * name and is not taken for an init.
   */
  s6Overlay?: boolean;
}

export function classifyPid1(command: string, hints: Pid1Hints = {}): { kind: InitKind; program: string } {
  const words = command.trim().split(/\s+/);
  let program = posix.basename(words[0] ?? '');
  // A multi-call binary runs the applet named by its first argument: `/busybox httpd` is httpd.
  if (program === 'busybox' && words[1]) program = posix.basename(words[1]);
  if (program === '') return { kind: 'unknown', program };
  if (words[0] === '/init' && hints.s6Overlay) return { kind: 'init', program: 's6-overlay /init' };
  if (INITS.has(program)) return { kind: 'init', program };
  if (SHELLS.has(program)) return { kind: 'shell', program };
  return { kind: 'app', program };
}

/** Paths that only s6-overlay installs (v3 under /package and /command, v2 /etc/s6 and /etc/services.d). */
export const S6_OVERLAY_PATHS =
  /^\/(package\/admin\/s6-overlay|etc\/s6-overlay|command\/s6-svscan|etc\/s6\/init)(\/|$)/;

/**
 * The operands of a chown or chmod: the owner or mode (none with --reference) and the paths, past
 * the options — `chown --from=root:root app:app /srv` and `chown --from root:root app:app /srv`
 * change /srv only.
 */
export function permissionOperands(
  program: 'chown' | 'chmod',
  args: string[],
): { spec: string | null; paths: string[]; recursive: boolean } {
  const operands: string[] = [];
  let recursive = false;
  let reference = false;
  let options = true;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (options && arg === '--') {
      options = false;
      continue;
    }
    // chmod's modes may start with '-' (`chmod -w f`): a mode, unless one was given already.
    const isMode = program === 'chmod' && operands.length === 0 && /^-[rwxXst]+$/.test(arg);
    if (options && arg.startsWith('-') && arg !== '-' && !isMode) {
      if (arg === '--recursive' || /^-[a-zA-Z]*R/.test(arg)) recursive = true;
      if (arg.startsWith('--reference')) reference = true;
      // Long options whose value may be the next word.
      if ((arg === '--from' || arg === '--reference') && i + 1 < args.length) i++;
      continue;
    }
    operands.push(arg);
  }
  return reference
    ? { spec: null, paths: operands, recursive }
    : { spec: operands[0] ?? null, paths: operands.slice(1), recursive };
}

/**
 * Package ecosystems: the command that fetches dependencies from the manifest alone (`restore`),
 * and, where one exists, the build command that fetches them itself when they were not restored
 * first (`go build`, `dotnet publish`, `cargo build`, `mvn package`, `gradle build`).
 */
interface Ecosystem {
  name: string;
  restore: RegExp;
  build?: RegExp;
}

const ECOSYSTEMS: Ecosystem[] = [
  {
    name: 'pip',
    restore: /\b(pip3?|python3?\s+-m\s+pip|uv\s+pip)\s+install\b|\b(poetry|pipenv)\s+install\b|\buv\s+sync\b/,
  },
  { name: 'npm', restore: /\bnpm\s+(ci|install|i)\b/ },
  { name: 'yarn', restore: /\byarn(\s+install)?\s*($|&&|;|--|\|)/ },
  { name: 'pnpm', restore: /\bpnpm\s+(install|i)\b/ },
  { name: 'bundler', restore: /\bbundle\s+install\b/ },
  { name: 'composer', restore: /\bcomposer\s+install\b/ },
  { name: 'go', restore: /\bgo\s+mod\s+download\b/, build: /\bgo\s+(build|install|test|vet)\b/ },
  { name: 'cargo', restore: /\bcargo\s+fetch\b/, build: /\bcargo\s+(build|install|test)\b/ },
  {
    name: 'maven',
    restore: /\bmvnw?\b.*\bdependency:(go-offline|resolve)/,
    build: /\bmvnw?\b.*\b(package|install|verify|compile)\b/,
  },
  {
    name: 'gradle',
    restore: /\bgradlew?\b.*\bdependencies\b/,
    build: /\bgradlew?\b.*\b(build|assemble|bootJar|jar|installDist)\b/,
  },
  { name: 'dotnet', restore: /\bdotnet\s+restore\b/, build: /\bdotnet\s+(build|publish|test)\b/ },
  { name: 'system packages', restore: /\bapt-get\s+install\b|\bapk\s+add\b|\b(yum|dnf|microdnf)\s+install\b/ },
];

/**
 * A step's text with its exec-form arrays read as the words they are: `RUN ["npm", "install"]`
 * (as the Dockerfile writes it and BuildKit names the step) is `RUN npm install`.
 */
function execFormAsWords(text: string): string {
  return text.replace(/\[\s*"(?:[^"\\]|\\.)*"(?:\s*,\s*"(?:[^"\\]|\\.)*")*\s*\]/g, (array) => {
    try {
      return (JSON.parse(array) as string[]).join(' ');
    } catch {
      return array;
    }
  });
}

/** A step that installs dependencies: what should come from the cache when only the app changed. */
export function isDependencyInstall(text: string): boolean {
  const words = execFormAsWords(text);
  return ECOSYSTEMS.some((ecosystem) => ecosystem.restore.test(words));
}

/** Which ecosystem a command fetches dependencies of, and how: by restoring them, or by building. */
export function dependencyStep(text: string): { ecosystem: string; how: 'restore' | 'build' } | null {
  const words = execFormAsWords(text);
  for (const ecosystem of ECOSYSTEMS) {
    if (ecosystem.restore.test(words)) return { ecosystem: ecosystem.name, how: 'restore' };
    if (ecosystem.build?.test(words)) return { ecosystem: ecosystem.name, how: 'build' };
  }
  return null;
}

/**
 * Development servers, watchers and debuggers: what a command line runs that belongs on a
 * developer's machine, not in production (`nodemon`, `vite`, `next dev`, `npm run dev`,
 * `uvicorn --reload`, `manage.py runserver`, `python -m debugpy`…). The text is one simple
 * command from its program on.
 */
const DEV_SERVERS: RegExp[] = [
  /^(nodemon|ts-node-dev|tsnd|node-dev|webpack-dev-server|air|dlv)(\s|$)/,
  /^webpack(-cli)?\s+(serve|s)(\s|$)/,
  /^vite(\s+(dev|serve)\b|\s+--|\s*$)/,
  /^(next|nuxt|nuxi|astro|remix|vinxi)\s+dev(\s|$)/,
  /^(ng\s+serve|react-scripts\s+start|gatsby\s+develop|vue-cli-service\s+serve)(\s|$)/,
  /^nest\s+start\b.*\s(--watch|-w)(\s|$)/,
  /^(node|bun|deno)\b.*\s--watch(\s|$)/,
  /^tsx\s+watch(\s|$)/,
  /^(npm\s+run|pnpm(\s+run)?|yarn(\s+run)?|bun(\s+run)?)\s+(dev|develop|start:dev|dev:[\w:-]+|watch)(\s|$)/,
  /^flask\b.*\s(--debug|--reload)(\s|$)/,
  /^(uvicorn|hypercorn|gunicorn)\b.*\s--reload(\s|$)/,
  /^python[\d.]*\s+(\S*\/)?manage\.py\s+runserver(\s|$)/,
  /^django-admin\s+runserver(\s|$)/,
  /^python[\d.]*\s+-m\s+(debugpy|pdb|ptvsd|flask\s+run\s+--debug)(\s|$)/,
  /^php\s+(-S\s|artisan\s+serve(\s|$))/,
];

/**
 * Wrappers that run the rest of the line: an init, a privilege drop, a shell's -c, and the
 * official images' `docker-entrypoint.sh` (node's, postgres', redis'…), which execs the command
 * it is given.
 */
const WRAPPERS =
  /^(tini|tini-static|dumb-init|docker-init|catatonit|gosu|su-exec|exec|sh|bash|dash|ash|docker-entrypoint(\.sh)?)$/;

/** A command's words past the wrappers in front of it: `tini -- gosu app npm run dev` → `npm run dev`. */
export function unwrapped(command: { program: string; args: string[] }): string[] {
  let words = [command.program, ...command.args];
  for (let hops = 0; hops < 4 && WRAPPERS.test(posix.basename(words[0] ?? '')); hops++) {
    const wrapper = posix.basename(words[0]);
    let rest = words.slice(1);
    while (rest[0]?.startsWith('-')) rest = rest.slice(1);
    if (wrapper === 'gosu' || wrapper === 'su-exec') rest = rest.slice(1); // the user
    words = rest;
  }
  return words;
}

/** The development server or debugger a command line (an image's ENTRYPOINT + CMD) starts, or null. */
export function devServerIn(commands: { program: string; args: string[] }[]): string | null {
  for (const command of commands) {
    // Look past wrappers: `tini -g -- nodemon x`, `gosu app npm run dev`, `sh -c "npm run dev"`.
    let words = unwrapped(command);
    // A package runner runs the named package's command: `npx vite`, `pnpm exec nodemon`.
    if (/^(npx|bunx|pnpx)$/.test(words[0] ?? ''))
      words = words.slice(1).filter((word, i) => i > 0 || !word.startsWith('-'));
    else if (/^(pnpm|yarn|npm)$/.test(words[0] ?? '') && words[1] === 'exec') words = words.slice(2);
    if (words[0]) words[0] = posix.basename(words[0]);
    const text = words.join(' ');
    if (DEV_SERVERS.some((pattern) => pattern.test(text))) return text;
  }
  return null;
}

/**
 * Programs that run the rest of their command line as another user, as an entrypoint does to drop
 * root: gosu, su-exec, s6-setuidgid, setpriv (with --reuid, --regid or --init-groups) and
 * chroot --userspec.
 */
const DROPPERS = new Set(['gosu', 'su-exec', 's6-setuidgid']);
const INIT_WRAPPERS = new Set(['tini', 'tini-static', 'dumb-init', 'docker-init', 'catatonit']);

/**
 * The privilege drop one simple command performs (`gosu app node x`, `exec su-exec app "$@"`,
 * `tini -- setpriv --reuid=app …`, `chroot --userspec=app / …`), looking past `exec`, leading
 * assignments and an init in front; null where it runs as the user it is.
 */
export function privilegeDrop(words: string[]): string | null {
  let i = 0;
  while (i < words.length && (words[i] === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]))) i++;
  if (INIT_WRAPPERS.has(posix.basename(words[i] ?? ''))) {
    i++;
    while (i < words.length && words[i].startsWith('-')) if (words[i++] === '--') break;
  }
  const program = posix.basename(words[i] ?? '');
  const args = words.slice(i + 1);
  if (DROPPERS.has(program)) return program;
  if (program === 'setpriv' && args.some((arg) => /^--(reuid|regid|init-groups)\b/.test(arg))) return 'setpriv';
  if (program === 'chroot' && args.some((arg) => /^--userspec\b/.test(arg))) return 'chroot --userspec';
  return null;
}

/**
 * Bases known to set no ENTRYPOINT: the distributions' official images, the language images that
 * start a shell or a REPL from CMD alone, .NET's images, distroless' static, base and cc images, and
 * scratch. On them a CMD alone is PID 1.
 * Any other base may bring an ENTRYPOINT that runs the CMD (node's, postgres', nginx's
 * docker-entrypoint.sh; a vendor's script), so what PID 1 is cannot be read from the CMD.
 */
const NO_ENTRYPOINT_BASES = new Set([
  'alpine',
  'debian',
  'ubuntu',
  'busybox',
  'centos',
  'fedora',
  'rockylinux',
  'almalinux',
  'amazonlinux',
  'oraclelinux',
  'archlinux',
  'python',
  'pypy',
  'golang',
  'rust',
  'ruby',
  'perl',
  'openjdk',
  'amazoncorretto',
  'buildpack-deps',
  'httpd',
  'erlang',
  'elixir',
  'r-base',
  'haskell',
  'swift',
  'dart',
]);
const NO_ENTRYPOINT_REPOSITORIES =
  /^(mcr\.microsoft\.com\/dotnet\/(sdk|aspnet|runtime|runtime-deps)|gcr\.io\/distroless\/(static|base|base-nossl|cc)(-debian\d+)?)$/;

export function baseSetsNoEntrypoint(reference: string): boolean {
  if (reference === 'scratch') return true;
  const { name } = parseImageReference(reference);
  const official = name.replace(/^(docker\.io\/)?(library\/)?/, '');
  return (!official.includes('/') && NO_ENTRYPOINT_BASES.has(official)) || NO_ENTRYPOINT_REPOSITORIES.test(name);
}

/** Yarn's and pnpm's own commands: any other first word runs the package script of that name. */
const MANAGER_COMMANDS =
  /^(install|i|add|remove|rm|upgrade|up|update|why|info|list|ls|init|exec|dlx|create|config|cache|global|link|unlink|outdated|pack|publish|audit|import|licenses|workspace|workspaces|prune|rebuild|store|env|bin|dedupe|patch|set|plugin|version|help|login|logout|node|self-update|setup|fetch)$/;

/**
 * The package.json script a command runs through its package manager, past its wrappers:
 * `npm start`, `npm run dev`, `npm run-script dev`, `npm test`, `yarn dev`, `yarn run dev`,
 * `pnpm dev`, `bun run dev` — with the words that ran it; null where it runs none.
 */
export function packageScriptRun(command: { program: string; args: string[] }): { run: string; script: string } | null {
  const words = unwrapped(command);
  const manager = posix.basename(words[0] ?? '');
  // The positional words, by their index in the command: options (`--silent`) say nothing here.
  const positional = words
    .map((word, index) => ({ word, index }))
    .filter(({ word, index }) => index > 0 && !word.startsWith('-'));
  const [verb, name] = positional;
  let script: string | undefined;
  let last = verb;
  if (manager === 'npm') {
    if (['start', 'test', 'stop', 'restart'].includes(verb?.word)) script = verb.word;
    else if (verb?.word === 't' || verb?.word === 'tst') script = 'test';
    else if (['run', 'run-script', 'rum', 'urn'].includes(verb?.word) && name) [script, last] = [name.word, name];
  } else if (manager === 'yarn' || manager === 'pnpm' || manager === 'bun') {
    if ((verb?.word === 'run' || verb?.word === 'run-script') && name) [script, last] = [name.word, name];
    else if (manager !== 'bun' && verb && !MANAGER_COMMANDS.test(verb.word)) script = verb.word;
  }
  if (!script || !last) return null;
  return {
    run: words
      .slice(0, last.index + 1)
      .join(' ')
      .replace(/^\S*\//, ''),
    script,
  };
}
