// What a crash looks like in a service's log, by runtime: the lines an interpreter or a runtime
// writes when a program dies of an error it did not handle (or logs one with its stack, which a
// healthy start does not do). Only signatures a runtime writes itself are matched, at the start of
// a line, so an application's own words ("0 errors", "fatal=false") do not count. A `FATAL`-level
// log line is told apart: databases write one for a client's mistake (a wrong password, a
// connection during start-up) without anything having crashed, so it is reported, not failed.

export type CrashKind =
  | 'python traceback'
  | 'go panic'
  | 'go fatal error'
  | 'node uncaught exception'
  | 'node unhandled rejection'
  | 'java uncaught exception'
  | 'out of memory'
  | 'fatal log line';

export interface CrashSignature {
  kind: CrashKind;
  /** A crash, or only a log line at FATAL level (reported, not failed). */
  crash: boolean;
  /** 1-based line of the log it starts at. */
  line: number;
  /** Its first lines, as the service wrote them (masked by the caller). */
  excerpt: string[];
}

interface Pattern {
  kind: CrashKind;
  crash: boolean;
  test: RegExp;
}

const PATTERNS: Pattern[] = [
  // First: an out-of-memory death is named so, not as the runtime's generic fatal error.
  {
    kind: 'out of memory',
    crash: true,
    test: /^(?:FATAL ERROR: .*JavaScript heap out of memory|(?:Exception in thread "[^"]*" )?java\.lang\.OutOfMemoryError|MemoryError$|fatal error: runtime: out of memory)/,
  },
  { kind: 'python traceback', crash: true, test: /^Traceback \(most recent call last\):/ },
  // Go's runtime: `panic: …` then `goroutine 1 [running]:`; `fatal error: …` for what cannot be recovered.
  { kind: 'go panic', crash: true, test: /^panic: / },
  { kind: 'go fatal error', crash: true, test: /^fatal error: / },
  // Node (12+) on an unhandled rejection, then on an uncaught exception (`Node.js v20.11.0` closes its report).
  {
    kind: 'node unhandled rejection',
    crash: true,
    test: /^\[?UnhandledPromiseRejection|UnhandledPromiseRejectionWarning:/,
  },
  { kind: 'node uncaught exception', crash: true, test: /^Node\.js v\d+\.\d+\.\d+$/ },
  { kind: 'java uncaught exception', crash: true, test: /^Exception in thread "[^"]*" / },
  // A level word where loggers put one: `FATAL:` (PostgreSQL), `[FATAL]`, `level=fatal`,
  // `"level":"fatal"` (JSON loggers), ` FATAL ` between fields.
  {
    kind: 'fatal log line',
    crash: false,
    test: /(?:^|[\s[|{,])(?:FATAL|level=fatal|"level":\s*"fatal")(?:[\]:|\s,}]|$)/,
  },
];

/** How many lines of each finding are kept: enough to see what failed, not the whole stack. */
const EXCERPT_LINES = 6;

/** At most this many findings per log: a crash loop repeats the same one. */
const MAX_FINDINGS = 5;

/** The crash signatures in a log, in order; one per crash (its report is not matched again). */
export function findCrashSignatures(log: string): CrashSignature[] {
  const lines = log.split('\n').map((line) => line.replace(/\r$/, ''));
  const found: CrashSignature[] = [];
  for (let index = 0; index < lines.length && found.length < MAX_FINDINGS; index++) {
    const pattern = PATTERNS.find((candidate) => candidate.test.test(lines[index]));
    if (!pattern) continue;
    // Node closes an unhandled rejection's report with its version line too: one crash, one finding.
    const previous = found.at(-1);
    if (
      pattern.kind === 'node uncaught exception' &&
      previous?.kind === 'node unhandled rejection' &&
      index + 1 - previous.line <= 15
    )
      continue;
    // Node's uncaught-exception report ends with the version line: show from where it began.
    const start = pattern.kind === 'node uncaught exception' ? reportStart(lines, index) : index;
    const excerpt = lines.slice(start, start + EXCERPT_LINES).filter((line) => line.trim() !== '');
    found.push({ kind: pattern.kind, crash: pattern.crash, line: start + 1, excerpt });
    if (pattern.kind === 'node uncaught exception') continue;
    // Skip the rest of this report (its indented stack, its `goroutine` dump) up to a blank line
    // or a line that is not part of it.
    while (index + 1 < lines.length && partOfReport(lines[index + 1])) index++;
  }
  return found;
}

/** A stack frame or the continuation of a report: indented, or Go's goroutine header. */
function partOfReport(line: string): boolean {
  return /^\s+\S/.test(line) || /^goroutine \d+ \[/.test(line) || /^[\w.]+(?:Error|Exception)\b/.test(line);
}

/**
 * Where Node's uncaught-exception report shows its error: the block of lines (`Error: boom` and
 * its stack) above the blank line before the version line that closes the report.
 */
function reportStart(lines: string[], versionLine: number): number {
  let index = versionLine - 1;
  while (index > 0 && lines[index].trim() === '') index--;
  const last = index;
  while (index > 0 && last - index < 40 && lines[index - 1].trim() !== '') index--;
  return index;
}
