import type { RawInputs } from '../inputs/config-file.js';
import { INPUTS, INPUT_NAMES, type InputName } from '../inputs/definitions.js';
import { UsageError } from '../util/errors.js';

// `cs-docker-hardening check [--<input> VALUE]…`: every action input is a flag of the same name,
// plus the short spellings of the README (--json FILE, --build-arg K=V, --static-only).

export type Command =
  | { kind: 'check'; inputs: RawInputs }
  | { kind: 'merge'; reports: string[]; inputs: RawInputs }
  | { kind: 'help' }
  | { kind: 'version' };

/** What `merge` takes besides its reports: where to write, and the gate. */
const MERGE_INPUTS: readonly InputName[] = [
  'report-file',
  'sarif-file',
  'markdown-file',
  'junit-file',
  'codequality-file',
  'fail-on',
  'reports',
];

/** Flag spelling → input name. */
function flagTable(): Map<string, InputName> {
  const table = new Map<string, InputName>();
  for (const name of INPUT_NAMES) {
    table.set(name, name);
    for (const alias of INPUTS[name].aliases ?? []) table.set(alias, name);
  }
  return table;
}

const BOOLEAN_WORDS = new Set(['true', 'false', 'True', 'False', 'TRUE', 'FALSE']);

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0 || argv[0] === 'help' || argv.includes('--help') || argv.includes('-h'))
    return { kind: 'help' };
  if (argv[0] === '--version' || argv[0] === 'version') return { kind: 'version' };
  if (argv[0] !== 'check' && argv[0] !== 'merge')
    throw new UsageError(`unknown command '${argv[0]}'; the commands are 'check' and 'merge' (see --help)`);
  const merging = argv[0] === 'merge';
  const reports: string[] = [];

  const flags = flagTable();
  const inputs: RawInputs = {};
  const set = (name: InputName, value: string): void => {
    const definition = INPUTS[name];
    if (definition.repeatable && inputs[name] !== undefined) inputs[name] = `${inputs[name]}\n${value}`;
    else if (inputs[name] !== undefined) throw new UsageError(`--${name} is given twice`);
    else inputs[name] = value;
  };
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      if (merging) {
        reports.push(arg);
        continue;
      }
      throw new UsageError(`unexpected argument '${arg}'; flags take the form --name value (see --help)`);
    }
    const eq = arg.indexOf('=');
    const flag = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (flag === 'static-only') {
      set('mode', 'static');
      continue;
    }
    const name = flags.get(flag);
    if (!name) throw new UsageError(`unknown flag --${flag}; see cs-docker-hardening --help for the flags`);
    if (merging && !MERGE_INPUTS.includes(name))
      throw new UsageError(
        `merge takes --json, --sarif, --markdown, --junit, --codequality and --fail-on, not --${flag}: the targets were proven by the runs that wrote the reports`,
      );
    if (INPUTS[name].kind.form === 'true | false') {
      // `--no-cache` alone means true; `--no-cache=false` or `--no-cache false` are explicit.
      const next = argv[i + 1];
      if (inline !== undefined) set(name, inline);
      else if (next !== undefined && BOOLEAN_WORDS.has(next)) set(name, argv[++i]);
      else set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--')))
      throw new UsageError(`--${flag} needs a value`);
    set(name, value);
  }
  if (merging) {
    // `--reports FILE` (repeatable) is the action's spelling of the same list.
    const given = inputs.reports?.split('\n').map((line) => line.trim()) ?? [];
    reports.push(...given.filter((line) => line !== ''));
    delete inputs.reports;
    if (reports.length === 0)
      throw new UsageError(
        'merge needs the JSON reports to merge: cs-docker-hardening merge REPORT… (globs like reports/*.json work)',
      );
    return { kind: 'merge', reports, inputs };
  }
  return { kind: 'check', inputs };
}

export function helpText(): string {
  const lines = [
    'Usage: cs-docker-hardening check [flags]',
    '       cs-docker-hardening merge REPORT… [--json FILE] [--sarif FILE] [--markdown FILE] [--junit FILE] [--codequality FILE] [--fail-on LEVEL]',
    '',
    'check: builds the images with buildx, inspects them, runs them, and checks they are production-hardened.',
    'merge: combines the JSON reports of several runs (matrix jobs) into one verdict, as one run over all',
    '       their targets would give: the same report, summary, SARIF and exit code.',
    '',
    'Exit codes: 0 passed · 1 a check at or above --fail-on failed · 2 bad usage or infrastructure fault · 130 cancelled',
    '',
    'Flags of check (each is also an action input and a config-file key, with the same default):',
  ];
  for (const name of INPUT_NAMES) {
    const definition = INPUTS[name];
    const aliases = (definition.aliases ?? []).map((alias) => ` (or --${alias})`).join('');
    const value = definition.kind.form === 'true | false' ? '' : ` <${definition.kind.form}>`;
    const fallback = definition.default === '' ? '' : ` [default: ${definition.default}]`;
    lines.push(`  --${name}${value}${aliases}${fallback}`, `      ${definition.description.replace(/`/g, '')}`);
  }
  lines.push('  --static-only', '      Same as --mode static: read the files only; build and run nothing.');
  return `${lines.join('\n')}\n`;
}
