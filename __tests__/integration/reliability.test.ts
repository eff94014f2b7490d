import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Report } from '../../src/model.js';
import { startDisposableEngine } from '../helpers/engine2.js';
import { check, exec, fixture, leftovers, REPO } from '../helpers/run.js';
import { parseOutputs, runAction } from '../helpers/runner.js';
import { watch } from '../helpers/spawn.js';
import { scratchDir, scratchTree } from '../helpers/scratch.js';

// Never wrong, never stuck, never leaves a mess. Every bad input ends in one clear line and exit 2
// with nothing left behind (no container, network, volume, or report file); every fault ends in
// the right verdict within a bound; no hostile text from an image becomes a command or markup.
// The table of what was tried is printed at the end.

interface Row {
  kind: 'bad input' | 'fault' | 'hostile';
  name: string;
  exit: string;
  verdict: string;
  seconds: number;
  left: string;
}
const table: Row[] = [];

afterAll(() => {
  const widths = [10, 44, 5, 86, 7, 13];
  const line = (cells: string[]): string =>
    cells.map((cell, index) => cell.slice(0, widths[index]).padEnd(widths[index])).join(' │ ');
  const counts = (kind: Row['kind']): number => table.filter((row) => row.kind === kind).length;
  process.stdout.write(
    `\nReliability: ${counts('bad input')} bad inputs, ${counts('fault')} faults, ${counts('hostile')} hostile payloads\n`,
  );
  process.stdout.write(
    `${line(['kind', 'case', 'exit', 'verdict', 'seconds', 'left behind'])}\n${widths.map((width) => '─'.repeat(width)).join('─┼─')}\n`,
  );
  for (const row of table)
    process.stdout.write(
      `${line([row.kind, row.name, row.exit, row.verdict.replace(/\s+/g, ' '), row.seconds.toFixed(1), row.left])}\n`,
    );
});

async function nothingLeft(extraFile?: string): Promise<string> {
  const left = await leftovers();
  if (extraFile && existsSync(extraFile)) left.push(`file ${extraFile}`);
  return left.length === 0 ? 'nothing' : left.join(', ');
}

const cli = join(REPO, 'dist/cli.js');
const runCli = (args: string[], env: NodeJS.ProcessEnv = process.env) =>
  exec(process.execPath, [cli, ...args], { env, cwd: REPO });

const workspace = (files: Record<string, string>): string => scratchTree('bad', files);

const ok = 'FROM cs-hardening/busybox-tini:local\nUSER 10001\n';

describe('bad input: one clear line, exit 2, nothing left behind', () => {
  const cases: { name: string; args: () => string[]; message: RegExp; env?: NodeJS.ProcessEnv }[] = [
    {
      name: 'unknown flag',
      args: () => ['check', '--bogus'],
      message: /unknown flag --bogus; see cs-docker-hardening --help/,
    },
    {
      name: 'unknown command',
      args: () => ['lint'],
      message: /unknown command 'lint'; the commands are 'check' and 'merge'/,
    },
    { name: 'flag without its value', args: () => ['check', '--context'], message: /--context needs a value/ },
    {
      name: 'flag given twice',
      args: () => ['check', '--target', 'a', '--target', 'b'],
      message: /--target is given twice/,
    },
    {
      name: 'stray argument',
      args: () => ['check', 'examples/hardened'],
      message: /unexpected argument 'examples\/hardened'/,
    },
    {
      name: 'max-image-size-mb: 500XB',
      args: () => ['check', '--context', 'examples/hardened', '--max-image-size-mb', '500XB'],
      message: /max-image-size-mb: '500XB' is not a number; give a number of megabytes/,
    },
    {
      name: 'fail-on: sometimes',
      args: () => ['check', '--context', 'examples/hardened', '--fail-on', 'sometimes'],
      message: /fail-on: 'sometimes' is not one of error, warning, never/,
    },
    {
      name: 'negative number',
      args: () => ['check', '--context', 'examples/hardened', '--max-layers', '-3'],
      message: /max-layers: -3 is below 0/,
    },
    {
      name: 'fraction for a whole number',
      args: () => ['check', '--context', 'examples/hardened', '--max-layers', '2.5'],
      message: /max-layers: '2.5' is not a whole number/,
    },
    {
      name: 'boolean that is not one',
      args: () => ['check', '--context', 'examples/hardened', '--no-cache=yes'],
      message: /no-cache: 'yes' is not a boolean; give true or false/,
    },
    {
      name: 'mode: dynamic',
      args: () => ['check', '--context', 'examples/hardened', '--mode', 'dynamic'],
      message: /mode: 'dynamic' is not one of full, static/,
    },
    {
      name: 'build arg without =',
      args: () => ['check', '--context', 'examples/hardened', '--build-arg', 'NOVALUE'],
      message: /build-args: 'NOVALUE' is not KEY=VALUE/,
    },
    {
      name: 'runtime env without a name',
      args: () => ['check', '--context', 'examples/hardened', '--runtime-env', '=x'],
      message: /runtime-env: '=x' is not KEY=VALUE/,
    },
    {
      name: 'missing context',
      args: () => ['check', '--context', 'examples/nowhere'],
      message: /context: directory 'examples\/nowhere' does not exist/,
    },
    {
      name: 'context that is a file',
      args: () => ['check', '--context', 'README.md'],
      message: /context: 'README.md' is a file/,
    },
    {
      name: 'no Dockerfile in the context',
      args: () => ['check', '--context', workspace({ 'app.py': '' })],
      message:
        /no Dockerfile and no compose file in context '\/tmp\/cs-test-bad-[^']+'; give --file <path>, --image <ref>, --targets <paths> or --discover true/,
    },
    {
      name: 'missing Dockerfile given',
      args: () => ['check', '--context', 'examples/hardened', '--file', 'examples/hardened/Dockerfile.prod'],
      message: /--file 'examples\/hardened\/Dockerfile.prod' does not exist/,
    },
    {
      name: 'Dockerfile: unknown instruction',
      args: () => ['check', '--context', workspace({ Dockerfile: `${ok}COPPY . /app\n` })],
      message: /Dockerfile:3: unknown instruction 'COPPY'; fix the Dockerfile/,
    },
    {
      name: 'Dockerfile: no FROM',
      args: () => ['check', '--context', workspace({ Dockerfile: '# nothing to build\n' })],
      message: /Dockerfile:1: no FROM instruction/,
    },
    {
      name: 'Dockerfile: RUN before FROM',
      args: () => ['check', '--context', workspace({ Dockerfile: 'RUN echo\nFROM scratch\n' })],
      message: /Dockerfile:1: RUN before the first FROM/,
    },
    {
      name: 'target stage that does not exist',
      args: () => ['check', '--context', 'examples/hardened', '--target', 'tester'],
      message: /target: no stage named 'tester' in examples\/hardened\/Dockerfile \(named stages: builder\)/,
    },
    {
      name: 'compose: invalid YAML',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, 'compose.yaml': 'services:\n  web: [\n' })],
      message: /compose\.yaml:\d+: not a valid compose file/,
    },
    {
      name: 'compose: not a mapping',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, 'compose.yaml': '- web\n' })],
      message: /compose\.yaml: not a valid compose file \(expected a mapping with a services key\)/,
    },
    {
      name: 'compose: service not a mapping',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, 'compose.yaml': 'services:\n  web: nginx\n' })],
      message: /compose\.yaml:2: service 'web' must be a mapping/,
    },
    {
      name: 'compose file given, missing',
      args: () => ['check', '--context', 'examples/hardened', '--compose', 'examples/hardened/compose.prod.yaml'],
      message: /compose-files: 'examples\/hardened\/compose.prod.yaml' does not exist/,
    },
    {
      name: 'config file given, missing',
      args: () => ['check', '--context', 'examples/hardened', '--config', 'missing.yml'],
      message: /config: cannot read missing.yml \(ENOENT\); check the path/,
    },
    {
      name: 'config: invalid YAML',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, '.container-hardening.yml': 'max-layers: [\n' })],
      message: /\.container-hardening\.yml:\d+: not valid YAML/,
    },
    {
      name: 'config: unknown key',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, '.container-hardening.yml': 'max-size: 3\n' })],
      message: /\.container-hardening\.yml:1: unknown key 'max-size'/,
    },
    {
      name: 'config: value of the wrong form',
      args: () => [
        'check',
        '--context',
        workspace({ Dockerfile: ok, '.container-hardening.yml': 'max-layers: lots\n' }),
      ],
      message: /max-layers: 'lots' is not a whole number/,
    },
    {
      name: 'config: moves the context',
      args: () => ['check', '--context', workspace({ Dockerfile: ok, '.container-hardening.yml': 'context: ..\n' })],
      message: /'context' cannot be set in this file/,
    },
    {
      name: 'config: ignore without reason',
      args: () => [
        'check',
        '--context',
        workspace({ Dockerfile: ok, '.container-hardening.yml': 'ignores:\n  - id: HARD-SIZE-001\n' }),
      ],
      message: /ignores: HARD-SIZE-001 needs a reason/,
    },
    {
      name: 'config: ignore of an unknown check',
      args: () => [
        'check',
        '--context',
        workspace({
          Dockerfile: ok,
          '.container-hardening.yml': 'ignores:\n  - id: HARD-NOPE-001\n    reason: typo\n',
        }),
      ],
      message: /ignores: no check has the id HARD-NOPE-001/,
    },
    {
      name: 'config: ignore with a bad date',
      args: () => [
        'check',
        '--context',
        workspace({
          Dockerfile: ok,
          '.container-hardening.yml': 'ignores:\n  - id: HARD-SIZE-001\n    reason: r\n    until: soon\n',
        }),
      ],
      message: /ignores: until 'soon' is not a date like 2027-01-31/,
    },
    {
      name: 'image id that does not exist',
      args: () => ['check', '--context', fixture('user-nonroot'), '--image', 'sha256:' + '0'.repeat(64)],
      message: /image: 'sha256:0{64}' does not exist on this engine; build it first, or check the name/,
    },
    {
      // Pulled as `docker run` would; with no registry reachable (or no such tag), one line.
      name: 'image that no registry has',
      args: () => ['check', '--context', fixture('user-nonroot'), '--image', '127.0.0.1:5999/no-such-image:never'],
      message: /image: cannot pull '127\.0\.0\.1:5999\/no-such-image:never' \(.+\); check the name and tag/,
    },
    {
      name: 'engine not reachable',
      args: () => ['check', '--context', fixture('user-nonroot')],
      env: { ...process.env, DOCKER_HOST: 'unix:///tmp/cs-hardening-absent.sock' },
      message: /cannot reach the Docker engine at unix:\/\/\/tmp\/cs-hardening-absent\.sock/,
    },
    {
      // sparc64: BuildKit lists no emulator for it whatever the machine has registered, so the
      // case holds where QEMU is installed too (s390x did not: qemu-user-static makes it buildable).
      name: 'platform the engine cannot run',
      args: () => ['check', '--context', fixture('user-nonroot'), '--platform', 'linux/sparc64'],
      message:
        /platform: the builder cannot build for linux\/sparc64 \(it can: linux\/amd64\b[^)]*\); register QEMU emulation/,
    }, // the list depends on buildx (0.2x adds linux/amd64/v2…v4) and the host
    {
      name: 'baseline ref that does not exist',
      args: () => [
        'check',
        '--context',
        fixture('user-nonroot'),
        '--baseline-ref',
        'no-such-ref',
        '--cache-probe',
        'false',
        '--idle-seconds',
        '1',
        '--hardened-run',
        'false',
      ],
      message: /baseline-ref: cannot check out 'no-such-ref'/,
    },
    {
      name: 'report file that cannot be written',
      args: () => [
        'check',
        '--context',
        'examples/hardened',
        '--static-only',
        '--json',
        '/proc/cs-hardening/report.json',
      ],
      message: /report-file: cannot write \/proc\/cs-hardening\/report\.json \(ENOENT\); give a writable path/,
    },
    {
      name: 'compose: a YAML alias bomb',
      args: () => [
        'check',
        '--static-only',
        '--context',
        workspace({
          Dockerfile: ok,
          'compose.yaml': [
            'a: &a [x,x,x,x,x,x,x,x,x]',
            ...'bcdefghi'
              .split('')
              .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`),
            'services:',
            '  s:',
            '    image: a:1',
            '    labels: *i',
          ].join('\n'),
        }),
      ],
      message: /compose\.yaml: not a valid compose file: it expands past 200000 values/,
    },
    {
      name: 'compose: included file missing',
      args: () => [
        'check',
        '--static-only',
        '--context',
        workspace({ Dockerfile: ok, 'compose.yaml': 'include:\n  - db.yaml\n' }),
      ],
      message: /compose\.yaml:2: include: db\.yaml does not exist/,
    },
    {
      name: 'compose: extended file missing',
      args: () => [
        'check',
        '--static-only',
        '--context',
        workspace({
          Dockerfile: ok,
          'compose.yaml': 'services:\n  web:\n    extends: { file: base.yaml, service: web }\n',
        }),
      ],
      message: /compose\.yaml:3: extends: base\.yaml does not exist/,
    },
    {
      name: 'Dockerfile: terminal escape in a bad line',
      args: () => [
        'check',
        '--static-only',
        '--context',
        workspace({ Dockerfile: `${ok}\u001b[31mRUNN\u001b[0m x\u0000\r\n` }),
      ],
      message: /Dockerfile:3: unknown instruction '\?\[31mRUNN\?\[0m'|Dockerfile:3: unknown instruction 'RUNN'/,
    },
    {
      name: 'targets: a path that does not exist',
      args: () => ['check', '--targets', 'services/nowhere'],
      message: /--targets line 1: 'services\/nowhere' does not exist/,
    },
    {
      name: 'targets: an image without a reference',
      args: () => ['check', '--targets', 'api=image:'],
      message: /--targets line 1: 'image:' needs an image reference/,
    },
    {
      name: 'targets: a directory without a Dockerfile',
      args: () => ['check', '--targets', 'examples'],
      message: /--targets line 1: no Dockerfile at examples\/Dockerfile/,
    },
    {
      name: 'config targets: an unknown key',
      args: () => [
        'check',
        '--context',
        workspace({ Dockerfile: ok, '.container-hardening.yml': 'targets:\n  - context: .\n    bogus: 1\n' }),
      ],
      message: /\.container-hardening\.yml:2: unknown key 'bogus' in a target/,
    },
    {
      name: 'config targets: a run-wide input for one target',
      args: () => [
        'check',
        '--context',
        workspace({ Dockerfile: ok, '.container-hardening.yml': 'targets:\n  - context: .\n    compose-up: true\n' }),
      ],
      message: /\.container-hardening\.yml:2: 'compose-up' applies to the whole run, not to one target/,
    },
    {
      name: 'config targets: a bad threshold for one target',
      args: () => [
        'check',
        '--context',
        workspace({ Dockerfile: ok, '.container-hardening.yml': 'targets:\n  - context: .\n    max-layers: lots\n' }),
      ],
      message: /\.container-hardening\.yml:2: max-layers: 'lots' is not a whole number/,
    },
    {
      name: 'parallel: 0',
      args: () => ['check', '--context', 'examples/hardened', '--parallel', '0'],
      message: /parallel: 0 is below 1/,
    },
    {
      name: 'parallel: two',
      args: () => ['check', '--context', 'examples/hardened', '--parallel', 'two'],
      message: /parallel: 'two' is not a whole number/,
    },
    {
      name: 'discover: maybe',
      args: () => ['check', '--context', 'examples/hardened', '--discover=maybe'],
      message: /discover: 'maybe' is not a boolean/,
    },
    {
      name: 'check-service-images: maybe',
      args: () => ['check', '--context', 'examples/hardened', '--check-service-images=maybe'],
      message: /check-service-images: 'maybe' is not a boolean/,
    },
    {
      name: 'max-compressed-size-mb: -1',
      args: () => ['check', '--context', 'examples/hardened', '--max-compressed-size-mb', '-1'],
      message: /max-compressed-size-mb: -1 is below 0/,
    },
  ];

  it.each(cases.map((entry) => [entry.name, entry] as const))('%s', async (name, entry) => {
    const out = join(scratchDir('bad-out'), 'report.json');
    const args = entry.args();
    const started = performance.now();
    const run = await runCli(
      args.includes('--json') || args[0] !== 'check' ? args : [...args, '--json', out],
      entry.env,
    );
    const seconds = (performance.now() - started) / 1000;
    const last = run.stderr.trim().split('\n').pop() ?? '';
    const left = await nothingLeft(out);
    table.push({
      kind: 'bad input',
      name,
      exit: String(run.code),
      verdict: last.replace(/^cs-docker-hardening: /, ''),
      seconds,
      left,
    });
    expect(run.code).toBe(2);
    // The message may start with the file it is about (absolute when outside the workspace).
    expect(last).toMatch(
      new RegExp(`^cs-docker-hardening: (config )?(\\S+:\\d+: |/tmp/cs-test-bad-[^/]+/)?${entry.message.source}`),
    );
    expect(run.stdout).toBe('');
    // One line a person can act on: no stack trace, no terminal control sequence.
    expect(run.stderr).not.toMatch(/^\s+at /m);
    // eslint-disable-next-line no-control-regex -- looking for control characters is the point
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    expect(left).toBe('nothing');
  });
});

describe('faults: the right verdict, in bounded time, nothing left behind', () => {
  const quick = ['--idle-seconds', '1', '--max-stop-seconds', '1', '--cache-probe', 'false'];
  async function fault(
    name: string,
    args: string[],
    bound: number,
    expectations: (report: Report, exit: number, stdout: string) => string,
  ): Promise<void> {
    const out = join(scratchDir('fault'), 'report.json');
    const started = performance.now();
    const run = await runCli(['check', ...args, '--json', out]);
    const seconds = (performance.now() - started) / 1000;
    const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
    const verdict = expectations(report, run.code, run.stdout);
    const left = await nothingLeft();
    table.push({ kind: 'fault', name, exit: String(run.code), verdict, seconds, left });
    expect(seconds).toBeLessThan(bound);
    expect(left).toBe('nothing');
  }
  const result = (report: Report, id: string) => report.checks.find((entry) => entry.id === id)!;

  it('a container that exits at once', async () => {
    await fault('exits at once', ['--context', fixture('exits-early'), ...quick], 30, (report, exit) => {
      expect(exit).toBe(1);
      expect(result(report, 'HARD-STARTUP-001').message).toMatch(/exited with code 3 .*DATABASE_URL is not set/);
      return result(report, 'HARD-STARTUP-001').message;
    });
  });

  it('an image that cannot start at all', async () => {
    await fault('cannot start (entrypoint missing)', ['--context', fixture('start-fails'), ...quick], 30, (report) => {
      expect(result(report, 'HARD-STARTUP-001')).toMatchObject({ status: 'fail', measured: 127 });
      return result(report, 'HARD-STARTUP-001').message;
    });
  });

  it('a container killed for memory', async () => {
    await fault(
      'killed for memory (OOM)',
      ['--context', fixture('idle-memory'), ...quick, '--runtime-memory-mb', '40', '--hardened-run', 'false'],
      30,
      (report) => {
        expect(result(report, 'HARD-STARTUP-001').message).toMatch(/exited with code 137 .*\(killed: out of memory\)/);
        return result(report, 'HARD-STARTUP-001').message;
      },
    );
  });

  it('a service that never becomes ready', async () => {
    await fault(
      'never ready',
      ['--context', fixture('health-wrong-port'), ...quick, '--ready-timeout-seconds', '3'],
      30,
      (report) => {
        expect(result(report, 'HARD-STARTUP-001').message).toMatch(/never passed within 3 s/);
        return result(report, 'HARD-HEALTH-003').message;
      },
    );
  });

  it('a probe that hangs', async () => {
    await fault(
      'probe hangs',
      ['--context', fixture('probe-hangs'), ...quick, '--ready-timeout-seconds', '5'],
      40,
      (report) => {
        expect(result(report, 'HARD-HEALTH-003').message).toMatch(/last output: no answer within 2 s/);
        expect(result(report, 'HARD-HEALTH-004').message).toMatch(/did not answer within 2\.\d+ s/);
        return `${result(report, 'HARD-HEALTH-003').message}; ${result(report, 'HARD-HEALTH-004').message}`;
      },
    );
  });

  it('an app that prints megabytes of logs', async () => {
    await fault('50 MB of logs', ['--context', fixture('megalogs'), ...quick], 60, (report, _, stdout) => {
      expect(result(report, 'HARD-STARTUP-001').status).toBe('pass');
      expect(stdout.length).toBeLessThan(100_000);
      return `${result(report, 'HARD-STARTUP-001').message}; terminal report ${stdout.length} characters`;
    });
  });

  it('an image with no shell', async () => {
    await fault('no shell', ['--context', fixture('no-shell'), ...quick], 30, (report) => {
      expect(result(report, 'HARD-USER-003')).toMatchObject({ status: 'pass', measured: { uid: 65532 } });
      return result(report, 'HARD-USER-003').message;
    });
  });

  it('an ENTRYPOINT that ignores arguments', async () => {
    await fault('entrypoint ignores arguments', ['--context', fixture('ignores-args'), ...quick], 30, (report) => {
      // The message is part of the comparison so that a failure says what went wrong.
      const user = result(report, 'HARD-USER-003');
      expect({
        status: user.status,
        measured: user.measured,
        message: user.status === 'pass' ? '' : user.message,
      }).toMatchObject({
        status: 'pass',
        measured: { uid: 10001, method: 'id' },
        message: '',
      });
      return result(report, 'HARD-USER-003').message;
    });
  });

  it('a build that fails', async () => {
    await fault('build fails', ['--context', fixture('build-fails'), ...quick], 30, (report, exit) => {
      expect(exit).toBe(1);
      expect(result(report, 'HARD-BUILD-001').message).toMatch(/error: missing header libpq-fe.h/);
      return result(report, 'HARD-BUILD-001').message.split('\n')[0];
    });
  });

  it('a compose service that crash-loops', async () => {
    await fault(
      'crash-loop (compose restart: always)',
      [
        '--context',
        fixture('../compose/crash-loop'),
        ...quick,
        '--compose-up',
        '--compose-up-timeout-seconds',
        '15',
        '--hardened-run',
        'false',
      ],
      60,
      (report) => {
        const stack = result(report, 'HARD-COMPOSE-012');
        expect(stack.status).toBe('fail');
        expect(stack.message).toMatch(/worker is (restarting|unhealthy|exited|starting)/);
        return stack.message;
      },
    );
  });

  it('the engine dies mid-run (a second, disposable engine)', async () => {
    const built = await check({ context: fixture('slow-start'), 'cache-probe': 'false', 'idle-seconds': '1' });
    const engine = await startDisposableEngine();
    try {
      const load = await exec('sh', ['-c', `docker save ${built.target.imageId} | docker -H ${engine.host} load -q`]);
      expect(load.code).toBe(0);
      const out = join(scratchDir('dies'), 'report.json');
      const run = watch(
        process.execPath,
        [
          cli,
          'check',
          '--context',
          fixture('slow-start'),
          '--image',
          built.target.imageId!,
          '--cache-probe',
          'false',
          '--json',
          out,
        ],
        { env: { ...process.env, DOCKER_HOST: engine.host }, cwd: REPO },
      );
      await run.waitFor(/probing readiness/);
      const killed = performance.now();
      engine.kill();
      const exit = await run.exited;
      const seconds = (exit.at - killed) / 1000;
      const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
      const errored = report.checks.filter((entry) => entry.status === 'error');
      table.push({
        kind: 'fault',
        name: 'engine dies mid-run',
        exit: String(exit.code),
        verdict: `${errored.length} checks could not run: ${errored[0]?.message ?? ''}`,
        seconds,
        left: await nothingLeft(),
      });
      expect(exit.code).toBe(2); // not judged: never a pass
      expect(errored.length).toBeGreaterThan(0);
      expect(report.passed).toBe(false);
      expect(seconds).toBeLessThan(20);
    } finally {
      await engine.destroy();
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('cancellation with %s', async (signal) => {
    const run = watch(process.execPath, [cli, 'check', '--context', fixture('slow-start'), '--cache-probe', 'false'], {
      cwd: REPO,
    });
    await run.waitFor(/probing readiness/);
    await sleep(300);
    const sent = performance.now();
    run.child.kill(signal);
    const exit = await run.exited;
    const seconds = (exit.at - sent) / 1000;
    table.push({
      kind: 'fault',
      name: `cancelled by ${signal}`,
      exit: String(exit.code),
      verdict: run.output().trim().split('\n').pop()!,
      seconds,
      left: await nothingLeft(),
    });
    expect(exit.code).toBe(130);
    expect(seconds).toBeLessThan(5);
  });

  // In the middle of disturbing the stack: db stopped and its dependents watched; the stale
  // service down for good after its crash and the run waiting for it to recover; a smoke test
  // running in its helper.
  it.each([
    ['a dependency outage', /dependency outage: stopping db/, []],
    ['a crash-recovery wait', /crash recovery: killed stale/, []],
    ['a smoke test', /smoke test 1\/1/, ['--smoke-test', 'sleep 30']],
  ])('cancellation during %s removes the stack and every helper', async (name, progress, more) => {
    const run = watch(
      process.execPath,
      [
        cli,
        'check',
        '--context',
        fixture('../compose/crash-and-smoke'),
        '--cache-probe',
        'false',
        '--hardened-run',
        'false',
        '--idle-seconds',
        '1',
        '--compose-up',
        '--runtime-env',
        'DB_PASSWORD=cancel-test-password',
        '--helper-image',
        'cs-hardening/busybox-tini:local',
        ...more,
      ],
      { cwd: REPO },
    );
    await run.waitFor(progress, 240_000);
    await sleep(300);
    const sent = performance.now();
    run.child.kill('SIGINT');
    const exit = await run.exited;
    const seconds = (exit.at - sent) / 1000;
    table.push({
      kind: 'fault',
      name: `cancelled during ${name}`,
      exit: String(exit.code),
      verdict: run.output().trim().split('\n').pop()!,
      seconds,
      left: await nothingLeft(),
    });
    expect(exit.code).toBe(130);
    expect(await leftovers()).toEqual([]);
    expect(seconds).toBeLessThan(20);
  });

  it('killed outright (SIGKILL), then the post step', async () => {
    const dir = scratchDir('kill');
    const state = join(dir, 'state');
    writeFileSync(state, '');
    const env = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: REPO,
      RUNNER_TEMP: dir,
      GITHUB_STATE: state,
      GITHUB_OUTPUT: join(dir, 'out'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      INPUT_CONTEXT: fixture('slow-start'),
      'INPUT_CACHE-PROBE': 'false',
    };
    const main = watch(process.execPath, [join(REPO, 'dist/index.js')], { env, cwd: REPO });
    await main.waitFor(/probing readiness/);
    await sleep(500); // the containers exist now
    main.child.kill('SIGKILL');
    await main.exited;
    const before = (await leftovers()).length;
    const saved = parseOutputs(readFileSync(state, 'utf8'));
    const started = performance.now();
    const post = await exec(process.execPath, [join(REPO, 'dist/index.js')], {
      env: { ...env, STATE_isPost: 'true', 'STATE_run-id': saved['run-id'] },
    });
    table.push({
      kind: 'fault',
      name: 'SIGKILL, then the post step',
      exit: String(post.code),
      verdict: `${before} leftovers; post step: ${post.stdout.trim()}`,
      seconds: (performance.now() - started) / 1000,
      left: await nothingLeft(),
    });
    expect(before).toBeGreaterThan(0);
    expect(await leftovers()).toEqual([]);
  });

  it('a crash while the report is written leaves no half file', async () => {
    const out = join(scratchDir('atomic'), 'report.json');
    const outcomes: string[] = [];
    for (let delay = 150; delay <= 450; delay += 30) {
      const run = watch(
        process.execPath,
        [cli, 'check', '--context', 'examples/hardened', '--static-only', '--json', out],
        { cwd: REPO },
      );
      await sleep(delay);
      run.child.kill('SIGKILL');
      await run.exited;
      if (!existsSync(out)) outcomes.push('absent');
      else {
        expect((): unknown => JSON.parse(readFileSync(out, 'utf8'))).not.toThrow(); // whole, or not there
        outcomes.push('whole');
      }
    }
    table.push({
      kind: 'fault',
      name: 'SIGKILL while writing the report (11×)',
      exit: '-',
      verdict: `report: ${outcomes.filter((o) => o === 'whole').length} whole, ${outcomes.filter((o) => o === 'absent').length} absent, 0 partial`,
      seconds: 0,
      left: await nothingLeft(),
    });
  });
});

describe('hostile images: no escape, no injection', () => {
  it('labels, env, logs, file names and probe output reach no command and no markup', async () => {
    const run = await runAction({
      context: fixture('hostile'),
      'cache-probe': 'false',
      'idle-seconds': '1',
      'build-args': 'NPM_TOKEN=npm_abcdefghijklmnopqrstuvwxyz0123456789',
      'runtime-env': 'DB_PASSWORD=runtime-secret-value-42',
    });
    const commands = run.stdout.split('\n').filter((line) => line.startsWith('::'));
    // Only our own commands start a line: groups, masks, annotations titled with a check id, the verdict.
    const ours =
      /^::(group::[a-z ,]+|endgroup::|add-mask::.*|(error|warning|notice) title=HARD-[A-Z]+-\d{3} [^:]*::.*|notice title=More findings in the job summary::.*|error::container hardening failed: HARD-.*)$/;
    expect(commands.filter((line) => !ours.test(line))).toEqual([]);
    // No payload begins a command, even after a newline inside a file name.
    expect(run.stdout).not.toMatch(/^::error::(label|env|log|file|newline|probe)-injection/m);
    // The outputs come from the file, not from text the image printed.
    expect(run.outputs.passed).toBe('false');
    for (const markup of ['<img', '<script', '](javascript:']) expect(run.summary).not.toContain(markup);
    // Secrets given as build args or runtime env are masked, and printed nowhere else.
    expect(run.stdout).toContain('::add-mask::npm_abcdefghijklmnopqrstuvwxyz0123456789');
    expect(run.stdout).toContain('::add-mask::runtime-secret-value-42');
    expect(run.stdout.split('npm_abcdefghijklmnopqrstuvwxyz0123456789').length - 1).toBe(1);
    const seen = (payload: string): string => (run.stdout.includes(payload) ? 'escaped' : 'not shown');
    for (const [name, payload] of [
      ['label', 'label-injection'],
      ['env value', 'env-injection'],
      ['log', 'log-injection'],
      ['file name', 'file-injection'],
      ['file name with newline', 'newline-injection'],
      ['probe output', 'probe-injection'],
    ] as const) {
      table.push({
        kind: 'hostile',
        name: `${name}: ::error::…, <script>, <img>`,
        exit: String(run.code),
        verdict: `no command, no markup (${seen(payload)} in the log)`,
        seconds: 0,
        left: await nothingLeft(),
      });
    }
    table.push({
      kind: 'hostile',
      name: 'secret build arg and runtime env',
      exit: String(run.code),
      verdict: 'masked (::add-mask::), printed nowhere else',
      seconds: 0,
      left: await nothingLeft(),
    });
  });
});
