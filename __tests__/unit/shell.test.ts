import { programOf, splitCommands } from '../../src/evidence/shell.js';

// The shell reader sees the commands a RUN runs and how they are joined; shell syntax that is
// not a command or not a pipe must not be read as one.

const commands = (script: string) => splitCommands(script).map((command) => [command.words.join(' '), command.next]);
const pipes = (script: string) => splitCommands(script).filter((command) => command.next === '|').length;

describe('splitCommands', () => {
  it('splits on the operators, with quotes kept inside words', () => {
    expect(commands(`apt-get update && echo "a | b; c" || true; curl -fsSL x | tar -xz & wait`)).toEqual([
      ['apt-get update', '&&'],
      ['echo a | b; c', '||'],
      ['true', ';'],
      ['curl -fsSL x', '|'],
      ['tar -xz', '&'],
      ['wait', null],
    ]);
  });

  it('reads case patterns as patterns: their alternatives are not pipes, and they run nothing', () => {
    // Shaped like the architecture switch of JDK and Node installs.
    const script = [
      'set -eux; ARCH="$(dpkg --print-architecture)";',
      'case "${ARCH}" in',
      '  aarch64|arm64) ESUM=abc; URL=https://example.com/a.tar.gz ;;',
      '  (amd64|x86_64) ESUM=def; URL=https://example.com/b.tar.gz ;;',
      '  *) echo "unsupported ${ARCH}"; exit 1 ;;',
      'esac;',
      'curl -fsSLo /tmp/x.tgz "$URL"',
    ].join('\n');
    expect(pipes(script)).toBe(0);
    expect(commands(script).map(([words]) => words)).toEqual([
      'set -eux',
      'dpkg --print-architecture',
      'ARCH=$(dpkg --print-architecture)',
      'ESUM=abc',
      'URL=https://example.com/a.tar.gz',
      'ESUM=def',
      'URL=https://example.com/b.tar.gz',
      'echo unsupported ${ARCH}',
      'exit 1',
      'curl -fsSLo /tmp/x.tgz $URL',
    ]);
  });

  it('reads a case on one joined line (a Dockerfile continuation), nested, and a last branch without ;;', () => {
    const line =
      'case $(uname -m) in x86_64|amd64) case "$V" in 1|2) a=1 ;; esac ;; arm*|aarch64) a=2 ; esac; echo "$a" | tee f';
    expect(commands(line)).toEqual([
      ['uname -m', null],
      ['a=1', ';'],
      ['a=2', ';'],
      ['echo $a', '|'],
      ['tee f', null],
    ]);
  });

  it('keeps command substitutions, parameter expansions and backquotes inside their word, and lists their commands first', () => {
    expect(commands('V=$(curl -s x | jq -r .v) && W=`uname -m | tr a b` && echo ${X:-a|b} $((1 + 2))')).toEqual([
      ['curl -s x', '|'],
      ['jq -r .v', null],
      ['V=$(curl -s x | jq -r .v)', '&&'],
      ['uname -m', '|'],
      ['tr a b', null],
      ['W=`uname -m | tr a b`', '&&'],
      ['echo ${X:-a|b} $((1 + 2))', null],
    ]);
    // The pipe inside is a pipe (pipefail matters there too); the one in ${…} is not.
    expect(pipes('echo "$(dpkg --print-architecture | cut -d- -f1)"')).toBe(1);
    expect(pipes('echo "${X:-a|b}"')).toBe(0);
  });

  it('reads redirections with & and | as words, not as background jobs or pipes', () => {
    expect(commands('make 2>&1 >/dev/null && echo err >&2 && cmd &>log && date >| out')).toEqual([
      ['make 2>&1 >/dev/null', '&&'],
      ['echo err >&2', '&&'],
      ['cmd &>log', '&&'],
      ['date >| out', null],
    ]);
    expect(commands('make |& tee log')).toEqual([
      ['make', '|'],
      ['tee log', null],
    ]);
  });

  it('skips the body of a here-document', () => {
    const script = ['cat <<-EOF > /etc/app.conf', '\ta | b', '\tEOF', "cat << 'END' | sh", 'x && y', 'END', 'ls'].join(
      '\n',
    );
    expect(commands(script)).toEqual([
      ['cat <<-EOF > /etc/app.conf', ';'],
      ['cat << END', '|'],
      ['sh', ';'],
      ['ls', null],
    ]);
  });

  it('gives a subshell piped on its last command', () => {
    expect(commands('(cd /src && make) | tee log')).toEqual([
      ['cd /src', '&&'],
      ['make', '|'],
      ['tee log', null],
    ]);
  });
});

describe('programOf', () => {
  it.each([
    [['then', 'apt-get', 'install', '-y', 'gcc'], 'apt-get', 'install'],
    [['if', '!', 'grep', '-q', 'x', 'f'], 'grep', '-q'],
    [['sudo', '-E', '-u', 'app', '-H', 'bundle', 'install'], 'bundle', 'install'],
    [['env', '-u', 'HOME', 'A=b', '/usr/bin/node', 'x'], 'node', 'x'],
    [['DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install'], 'apt-get', 'install'],
  ])('%j runs %s', (words, program, first) => {
    const found = programOf(words);
    expect([found.program, found.args[0]]).toEqual([program, first]);
  });
});
