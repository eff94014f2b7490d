import type { Instruction } from '../../evidence/dockerfile.js';
import type { Severity } from '../../model.js';
import { defineCheck, type Verdict } from '../registry.js';
import { built, instructions, runCommands, type RunCommand } from '../dockerfile-helpers.js';

// Code fetched from the network and run or installed with nothing checking it is what it should
// be: `ADD <url>` without --checksum, `curl … | sh`, a script downloaded and run, a binary
// downloaded onto the PATH. Package managers verify their own signatures and are not judged here.
// Over plain http anyone on the path can swap the code: an error; over https the server and TLS
// are trusted, but nothing pins the bytes: a warning.

const FETCHERS = new Set(['curl', 'wget']);
const INTERPRETERS = /^(sh|bash|dash|ash|zsh|ksh|mksh|python[\d.]*|perl|ruby|node|php)$/;
const BIN_DIR = /^(\/usr(\/local)?)?\/s?bin\/|\/bin\/[^/]+$/;
const URL = /^(https?):\/\/\S+$/i;

/** A command that checks what was downloaded: a digest compared, a signature verified. */
function verifies(command: RunCommand): boolean {
  const { program, args } = command;
  if (/^(sha(1|224|256|384|512)sum|shasum|b2sum|md5sum|gpgv|minisign|slsa-verifier|signify)$/.test(program))
    return true;
  if (program === 'gpg' || program === 'gpg2') return args.includes('--verify');
  if (program === 'cosign') return args.some((arg) => /^verify(-blob|-attestation)?$/.test(arg));
  if (program === 'openssl') return args.includes('dgst') || args.includes('-verify');
  if (program === 'gh') return args.includes('attestation') && args.includes('verify');
  if (program === 'rpm') return args.includes('--checksig') || args.includes('-K');
  return false;
}

/**
 * The URL a fetch command reads, and the file it writes: `-o`/`-O <file>`, the URL's own name for
 * `curl -O` and a plain `wget` (under `-P <dir>`), null for stdout.
 */
function fetchOf(command: RunCommand): { url: string; count: number; scheme: string; output: string | null } | null {
  if (!FETCHERS.has(command.program)) return null;
  const { args } = command;
  const urls = args.filter((arg) => URL.test(arg));
  const url = urls[0];
  if (!url) return null;
  const remoteName = url
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '')
    .replace(/^.*\//, '');
  let output: string | null = command.program === 'wget' ? remoteName : null;
  let prefix = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (command.program === 'curl') {
      if (arg === '--output' || (/^-[a-zA-Z]*o$/.test(arg) && !arg.startsWith('--'))) output = args[++i] ?? null;
      else if (arg === '--remote-name' || (/^-[a-zA-Z]*O[a-zA-Z]*$/.test(arg) && !arg.startsWith('--')))
        output = remoteName;
    } else {
      if (arg === '-O' || arg === '--output-document') output = args[++i] ?? null;
      else if (arg.startsWith('--output-document=')) output = arg.slice('--output-document='.length);
      else if (/^-O./.test(arg)) output = arg.slice(2);
      else if (arg === '-P' || arg === '--directory-prefix') prefix = `${args[++i] ?? ''}/`;
      else if (/^-[a-zA-Z]+O-$/.test(arg)) output = '-';
      else if (/^-[a-zA-Z]+O$/.test(arg)) output = args[++i] ?? null;
    }
  }
  const count = urls.length;
  if (output === '-' || output === null) return { url, count, scheme: schemeOf(url), output: null };
  return { url, count, scheme: schemeOf(url), output: output.startsWith('/') ? output : `${prefix}${output}` };
}

const schemeOf = (url: string): string => /^(\w+):/.exec(url)![1].toLowerCase();

/** A chmod mode that adds execute permission: 755, +x, a+rx, u=rwx. */
function addsExecute(mode: string): boolean {
  if (/^[0-7]{3,4}$/.test(mode)) return /[1357]/.test(mode.slice(-3));
  return /[+=][rwXst]*x/.test(mode);
}

function severityOf(scheme: string): Severity {
  return scheme === 'http' ? 'error' : 'warning';
}

const overPlainHttp = (scheme: string): string =>
  scheme === 'http' ? ', over plain http: anyone on the way can swap it' : '';

/**
 * The package files a command installs from the filesystem: `dpkg -i x.deb`, `apt-get install
 * ./x.deb`, `rpm -i x.rpm`, `dnf install ./x.rpm`, `apk add --allow-untrusted x.apk`.
 */
function packageFiles(command: RunCommand): string[] {
  const { program, args } = command;
  const operands = args.filter((arg) => !arg.startsWith('-'));
  const local = (arg: string): boolean => /^(\.{0,2}\/|\$)/.test(arg) || /\.(deb|rpm|apk)$/.test(arg);
  if (program === 'dpkg' && args.some((arg) => /^(-[a-zA-Z]*i[a-zA-Z]*|--install)$/.test(arg))) return operands;
  if (program === 'rpm' && args.some((arg) => /^(-[a-zA-Z]*[iUF][a-zA-Z]*|--install|--upgrade|--freshen)$/.test(arg)))
    return operands;
  if (['apt-get', 'apt', 'dnf', 'yum', 'microdnf', 'zypper'].includes(program) && operands[0] === 'install')
    return operands.slice(1).filter(local);
  if (program === 'apk' && operands[0] === 'add' && args.includes('--allow-untrusted'))
    return operands.slice(1).filter(local);
  return [];
}

/** `./*.deb` names the downloaded `libfoo_1.0_amd64.deb`. */
function globMatches(pattern: string, file: string): boolean {
  if (!/[*?]/.test(pattern)) return false;
  const base = (path: string): string => path.replace(/^\.\//, '');
  const regex = base(pattern)
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${regex}$`).test(base(file));
}

const PIP = /^(pip[\d.]*)$/;
/** An archive pip installs as fetched: a zip, tarball or wheel URL (a branch's `master.zip`). */
const ARCHIVE_URL = /^https?:\/\/\S+\.(zip|tar\.gz|tgz|tar\.bz2|tar\.xz|whl)([?#]\S*)?$/i;

/** `pip install https://…/master.zip` without --require-hashes or a `#sha256=` on the URL. */
function pipArchive(command: RunCommand): string | null {
  const { program, args } = command;
  const install =
    (PIP.test(program) && args[0] === 'install') ||
    (/^python[\d.]*$/.test(program) && args.slice(0, 3).join(' ') === '-m pip install') ||
    (program === 'uv' && args[0] === 'pip' && args[1] === 'install');
  if (!install || args.includes('--require-hashes')) return null;
  return args.find((arg) => ARCHIVE_URL.test(arg) && !/#sha(256|384|512)=/.test(arg)) ?? null;
}

/** The findings of one RUN. */
function runFindings(commands: RunCommand[]): { severity: Severity; message: string }[] {
  if (commands.some(verifies)) return [];
  const findings: { severity: Severity; message: string }[] = [];
  commands.forEach((command, index) => {
    const archive = pipArchive(command);
    if (archive) {
      const scheme = schemeOf(archive);
      findings.push({
        severity: severityOf(scheme),
        message: `${command.program} installs ${archive} as fetched, with no hash checked (--require-hashes, or #sha256=… on the URL)${overPlainHttp(scheme)}`,
      });
      return;
    }
    const fetch = fetchOf(command);
    // sh -c "$(curl -fsSL …)", bash <(curl …): the download is the script.
    if (!fetch && INTERPRETERS.test(command.program)) {
      const inline = command.args.find((arg) => /^(\$\(|<\()\s*(curl|wget)\s/.test(arg));
      const url = inline ? /(https?):\/\/[^\s)"']+/i.exec(inline) : null;
      if (url)
        findings.push({
          severity: severityOf(url[1].toLowerCase()),
          message: `runs a script fetched from ${url[0]} with ${command.program}, unverified${overPlainHttp(url[1].toLowerCase())}`,
        });
      return;
    }
    if (!fetch) return;
    const next = commands[index + 1];
    if (command.command.next === '|' && next && INTERPRETERS.test(next.program)) {
      findings.push({
        severity: severityOf(fetch.scheme),
        message: `pipes ${fetch.url} into ${next.program}: the script runs unverified${overPlainHttp(fetch.scheme)}`,
      });
      return;
    }
    if (command.command.next === '|' && next?.program === 'tar') {
      const into = tarDirectory(next.args);
      if (into && BIN_DIR.test(`${into.replace(/\/$/, '')}/x`))
        findings.push({
          severity: severityOf(fetch.scheme),
          message: `unpacks ${fetch.url} into ${into} with no checksum or signature checked${overPlainHttp(fetch.scheme)}`,
        });
      return;
    }
    const output = fetch.output;
    if (!output) return;
    const later = commands.slice(index + 1);
    const named = (word: string | undefined): boolean =>
      word !== undefined && (word === output || word === `./${output}` || `./${word}` === output);
    const executable =
      BIN_DIR.test(output) ||
      later.some(
        (other) =>
          other.program === 'chmod' &&
          addsExecute(other.args.find((arg) => !arg.startsWith('-')) ?? '') &&
          other.args.some(named),
      );
    const runs = later.some(
      (other) =>
        named(other.command.words[0]) ||
        (INTERPRETERS.test(other.program) && named(other.args.find((arg) => !arg.startsWith('-')))),
    );
    // A package file installed as it came: dpkg, rpm and a local apt/dnf install check no signature.
    const installer = later.find((other) =>
      packageFiles(other).some((file) => named(file) || globMatches(file, output)),
    );
    if (installer && !runs && !executable) {
      const more = fetch.count > 1 ? ` (and ${fetch.count - 1} more)` : '';
      findings.push({
        severity: severityOf(fetch.scheme),
        message: `downloads ${fetch.url}${more} to ${output} and installs it with ${installer.program}, with no checksum or signature checked${overPlainHttp(fetch.scheme)}`,
      });
      return;
    }
    if (runs || executable)
      findings.push({
        severity: severityOf(fetch.scheme),
        message: `downloads ${fetch.url} to ${output} ${runs ? 'and runs it' : 'as an executable'}, with no checksum or signature checked${overPlainHttp(fetch.scheme)}`,
      });
  });
  return findings;
}

/** `tar -xz -C /usr/local/bin`, `tar --directory=/usr/local/bin -x`. */
function tarDirectory(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-C' || args[i] === '--directory') return args[i + 1] ?? null;
    if (args[i].startsWith('--directory=')) return args[i].slice('--directory='.length);
    if (/^-[a-zA-Z]*C$/.test(args[i])) return args[i + 1] ?? null;
  }
  return null;
}

export const checkVerifiedDownloads = defineCheck({
  id: 'HARD-DOCKERFILE-017',
  category: 'dockerfile',
  severity: 'warning',
  title: 'Downloaded code is verified before it runs or ships',
  proves:
    'No ADD of a URL without --checksum, and no RUN of the stages the target builds that pipes a download into a shell (`curl … | sh`), runs a downloaded script, puts a downloaded executable on the PATH or installs a downloaded package file (`dpkg -i x.deb`, `apt-get install ./x.deb`, `rpm -i`) without checking a digest or signature in the same RUN (sha256sum -c, gpg --verify, cosign verify…), and no pip install of an archive URL (`pip install https://…/master.zip`) without --require-hashes or a `#sha256=` on the URL. Over plain http such a download is an error.',
  why: 'Whoever controls the server, the DNS or (over http) the network decides what the build runs as root and what ships; a pinned digest makes the build fail instead.',
  remediation:
    'Pin the bytes: `ADD --checksum=sha256:<digest> <url> <dest>`, or download to a file and check it before use: `curl -fsSLo /usr/local/bin/tool <url> && echo "<sha256>  /usr/local/bin/tool" | sha256sum -c - && chmod +x /usr/local/bin/tool`; prefer a package manager or a versioned image (`COPY --from=<image>@sha256:…`).',
  cis: ['4.9', '4.11'],
  needs: ['dockerfile'],
  run({ dockerfile }, context) {
    const found: Verdict[] = [];
    const stages = built(dockerfile);
    for (const { instruction } of instructions(stages, 'ADD')) {
      if (instruction.flags.checksum) continue;
      const words = instruction.exec ?? instruction.args.split(/\s+/).filter(Boolean);
      for (const source of words.slice(0, -1)) {
        const match = /^(https?):\/\//i.exec(source);
        // A git repository (…/repo.git#ref) is a source of its own, checked out by ref.
        if (!match || /\.git(#|$)/.test(source)) continue;
        const scheme = match[1].toLowerCase();
        found.push({
          status: 'fail',
          severity: severityOf(scheme),
          message: `ADD ${source} without --checksum: the build takes whatever the server sends${overPlainHttp(scheme)}`,
          location: context.locate.at(instruction),
          cis: ['4.9', '4.11'],
        });
      }
    }
    const byRun = new Map<Instruction, RunCommand[]>();
    for (const command of runCommands(stages)) {
      byRun.set(command.instruction, [...(byRun.get(command.instruction) ?? []), command]);
    }
    for (const [instruction, commands] of byRun)
      for (const finding of runFindings(commands))
        found.push({
          status: 'fail',
          severity: finding.severity,
          message: finding.message,
          location: context.locate.at(instruction),
          cis: ['4.11'],
        });
    found.sort((a, b) => (a.location?.line ?? 0) - (b.location?.line ?? 0));
    return found.length > 0
      ? found
      : { status: 'pass', message: 'nothing is fetched and run or installed unverified (package managers aside)' };
  },
});
