import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { logSafe } from '../../src/action/progress.js';
import { ALL_CHECKS } from '../../src/checks/index.js';
import { runCli } from '../../src/cli/main.js';
import { collected, skipped, valueOf } from '../../src/evidence/collected.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import { createLocator } from '../../src/evidence/locate.js';
import type { EvidenceSet } from '../../src/evidence/types.js';
import { judgeEvidence } from '../../src/judge.js';
import { parseSettings } from '../../src/inputs/resolve.js';
import { planAnnotations } from '../../src/report/annotations.js';
import { buildRunReport, buildTargetReport } from '../../src/report/build-report.js';
import { renderCodeQuality } from '../../src/report/codequality.js';
import { renderComment, renderJobSummary } from '../../src/report/job-summary.js';
import { renderJson } from '../../src/report/json.js';
import { renderJunit } from '../../src/report/junit.js';
import { renderSarif } from '../../src/report/sarif.js';
import { securityContextYaml } from '../../src/report/security-context.js';
import { renderTerminal } from '../../src/report/terminal.js';
import { commandSecrets, maskSecrets } from '../../src/util/secrets.js';
import { copy, recorded } from '../helpers/evidence.js';
import { analyse, composeOf } from '../helpers/static.js';

// A credential written on a command line — a healthcheck, a command, a RUN, the image's own
// HEALTHCHECK and CMD — is recognised, and never printed back: not in a message, the log, the
// summary, SARIF, JUnit, annotations, Code Quality or the JSON report.

describe('credentials on a command line', () => {
  it.each([
    ['sqlcmd -S localhost -U sa -P "Sq1Pass!" -Q "SELECT 1"', '-P', 'Sq1Pass!'],
    ['/opt/mssql-tools18/bin/sqlcmd -U sa -PSq1Pass -C -Q "SELECT 1"', '-P', 'Sq1Pass'],
    ['mysqladmin ping -h localhost -uroot -pMyPa55', '-p', 'MyPa55'],
    ['mariadb -uroot --password=MyPa55 -e "SELECT 1"', '--password', 'MyPa55'],
    ['redis-cli -a R3disPw ping', '-a', 'R3disPw'],
    ['valkey-cli --pass R3disPw ping', '--pass', 'R3disPw'],
    ['redis-server --requirepass R3disPw --appendonly yes', '--requirepass', 'R3disPw'],
    ['curl -fsS -u admin:CurlPw9 http://localhost/health', '-u', 'CurlPw9'],
    ['curl -fsS --user=admin:CurlPw9 http://localhost/health', '--user', 'CurlPw9'],
    ['wget -q --http-password=WgetPw1 --user=admin http://localhost/', '--http-password', 'WgetPw1'],
    ['PGPASSWORD=PgPw42 psql -h db -p 5432 -U app -c "SELECT 1"', 'PGPASSWORD', 'PgPw42'],
    ['MYSQL_PWD=MyPw42 mysql -uroot -e "SELECT 1"', 'MYSQL_PWD', 'MyPw42'],
    ['psql postgresql://app:PgPw42@db:5432/app -c "SELECT 1"', 'a URL', 'PgPw42'],
    ['htpasswd -bc /etc/nginx/.htpasswd admin HtPw77', 'htpasswd -b', 'HtPw77'],
    ['echo "root:RootPw1" | chpasswd', 'chpasswd', 'RootPw1'],
    ['curl -H "Authorization: Bearer Tok3nValue" http://api/', 'Authorization', 'Tok3nValue'],
    ['curl -H "X-Api-Key: K3yValue9" http://api/', 'X-Api-Key', 'K3yValue9'],
    ['wget --header="X-Auth-Token: T0kenValue" http://api/', 'X-Auth-Token', 'T0kenValue'],
    ['curl -H "X-Secret-Key: 9f8e7d6c5b4a39281706" https://api/', 'X-Secret-Key', '9f8e7d6c5b4a39281706'],
    ['curl -H "X-Auth-Token-V2: T0kenValue" https://api/', 'X-Auth-Token-V2', 'T0kenValue'],
    ['docker login -u ci -p D0ckerPw registry.example.com', '-p', 'D0ckerPw'],
    ['mongosh -u root -p M0ngoPw --eval "db.adminCommand(1)"', '-p', 'M0ngoPw'],
    ['mysqladmin ping -uroot -p${MYSQL_ROOT_PASSWORD:-Chang3me}', '-p', 'Chang3me'],
    ['redis-cli -a "${REDIS_PASSWORD-Chang3me}" ping', '-a', 'Chang3me'],
  ])('%s', (text, name, value) => {
    expect(commandSecrets(text).map((found) => [found.name, found.value])).toEqual([[name, value]]);
    const masked = maskSecrets(text);
    expect(masked).not.toContain(value);
    expect(maskSecrets(masked)).toBe(masked);
  });

  it.each([
    'pg_isready -h db -p 5432 -U app',
    'psql -h db -p 5432 -U app --password app',
    'psql --no-password -h db app',
    'mysql -uroot -p app',
    'mysql -uroot --password app',
    'mysqladmin ping -uroot -p$MYSQL_ROOT_PASSWORD',
    'mysqladmin ping -uroot -p"${MYSQL_ROOT_PASSWORD}"',
    'sqlcmd -S localhost -U sa -P "$MSSQL_SA_PASSWORD" -Q "SELECT 1"',
    'redis-cli -h redis -p 6379 -a "$REDIS_PASSWORD" ping',
    'redis-server --requirepass "$(cat /run/secrets/redis)"',
    'export RABBITMQ_DEFAULT_PASS="$(cat $RABBITMQ_PASSWORD_FILE)"',
    '[ $(valkey-cli --pass "${REDIS_PASSWORD}" ping) = PONG ]',
    'curl -u admin http://localhost/',
    'curl -fsS http://localhost:8080/health',
    'docker run -p 8080:80 nginx:1.27.0',
    'docker login --password-stdin registry.example.com',
    'openssl enc -aes256 -pass env:KEY -in a -out b',
    'psql postgresql://app:${DB_PASSWORD}@db/app',
    'mysqladmin ping -uroot -p${MYSQL_ROOT_PASSWORD:-}',
    'mysqladmin ping -uroot -p${MYSQL_ROOT_PASSWORD:-$MARIADB_ROOT_PASSWORD}',
    // The tool's own messages about its secret inputs name the input, never a value.
    'secrets: line 1 is not id=value (the line is not shown: it may hold the secret)',
    'secrets: TOKEN has an empty value; a workflow secret that does not exist expands to nothing',
    "secret-files: npmrc: './no/npmrc' is not a file (looked at /work/no/npmrc)",
    'secret-envs: npm reads the environment variable CS_UNSET, which is not set',
    'compose-env-file: line 3 is not NAME=value',
    'curl -H "X-Token-File: /run/secrets/token" https://api/',
  ])('no credential in %s', (text) => {
    expect(commandSecrets(text)).toEqual([]);
    expect(maskSecrets(text)).toBe(text);
  });

  it('a healthcheck whose password comes from .env passes without printing it', () => {
    const compose =
      'services:\n  db:\n    image: mariadb:11.4.2\n    healthcheck:\n      test: ["CMD-SHELL", "mariadb-admin ping -uroot -p$${MARIADB_ROOT_PASSWORD:-${DB_ROOT_PASSWORD}}"]\n';
    const results = analyse({ compose, files: { '.env': 'DB_ROOT_PASSWORD=Fr0mDotEnv\n' } });
    const health = results.find((result) => result.id === 'HARD-COMPOSE-001')!;
    expect(health.status).toBe('pass');
    expect(JSON.stringify(results)).not.toContain('Fr0mDotEnv');
    const direct = analyse({
      compose: compose.replace('$${MARIADB_ROOT_PASSWORD:-${DB_ROOT_PASSWORD}}', '${DB_ROOT_PASSWORD}'),
      files: { '.env': 'DB_ROOT_PASSWORD=Fr0mDotEnv\n' },
    });
    expect(direct.find((result) => result.id === 'HARD-COMPOSE-001')!.message).toBe(
      'db: healthcheck `mariadb-admin ping -uroot -p[redacted]`',
    );
    expect(JSON.stringify(direct)).not.toContain('Fr0mDotEnv');
  });

  it('HARD-COMPOSE-008 finds them where they are written, and names no value', () => {
    const compose = [
      'services:',
      '  mssql:',
      '    image: mcr.microsoft.com/mssql/server:2022-CU12-ubuntu-22.04',
      '    healthcheck:',
      '      test: ["CMD-SHELL", "/opt/mssql-tools18/bin/sqlcmd -S localhost -U sa -P Sq1Pass -C -Q \\"SELECT 1\\""]',
      '  web:',
      '    image: acme/web:2.1.0',
      '    command: sh -c "PGPASSWORD=PgPw42 psql -h db -c \\"SELECT 1\\" && exec web"',
      '  db:',
      '    image: postgres:16.2',
      '    healthcheck:',
      '      test: ["CMD", "pg_isready", "-h", "localhost", "-p", "5432", "-U", "postgres"]',
      '',
    ].join('\n');
    const found = analyse({ compose }).filter((result) => result.id === 'HARD-COMPOSE-008' && result.status === 'fail');
    expect(found.map((result) => [result.severity, result.location?.line, result.message])).toEqual([
      [
        'error',
        5,
        'mssql: healthcheck.test holds a literal value for a secret-looking name [redacted, 7 characters] (-P)',
      ],
      [
        'error',
        8,
        'web: command holds a literal value for a secret-looking name [redacted, 6 characters] (PGPASSWORD)',
      ],
    ]);
  });
});

/** Every value the fixtures hide: none may be printed anywhere. */
const SECRETS = [
  'Sq1Pass',
  'R3disPw',
  'CurlPw9',
  'HtPw77',
  'PgPw42',
  'MyPa55',
  'ImgHealthPw3',
  'ImgCmdPw4',
  'Pid1Pw5',
  'EntryPw6',
];

const COMPOSE = [
  'services:',
  '  app:',
  '    build: .',
  '    healthcheck:',
  '      test: ["CMD-SHELL", "curl -fsS -u monitor:CurlPw9 http://localhost:8080/health"]',
  '    command: ["sh", "-c", "PGPASSWORD=PgPw42 psql -h db -c \\"SELECT 1\\" && exec app"]',
  '  mssql:',
  '    image: mcr.microsoft.com/mssql/server:2022-latest',
  '    healthcheck:',
  '      test: /opt/mssql-tools18/bin/sqlcmd -S localhost -U sa -P "Sq1Pass" -C -Q "SELECT 1"',
  '  cache:',
  '    image: redis:7',
  '    command: redis-server --requirepass R3disPw',
  '    entrypoint: ["docker-entrypoint.sh"]',
  '    healthcheck:',
  '      test: ["CMD", "redis-cli", "-a", "R3disPw", "ping"]',
  '',
].join('\n');

const DOCKERFILE = [
  'FROM python:3.12',
  'RUN htpasswd -bc /etc/nginx/.htpasswd admin HtPw77 && curl -fsS -u deploy:CurlPw9 https://example.com/x -o /x',
  'HEALTHCHECK CMD mysqladmin ping -uroot -pMyPa55 || exit 0',
  'ENTRYPOINT ["sh", "-c", "redis-server --requirepass R3disPw"]',
  'CMD mysql -uroot --password=MyPa55 -e "SELECT 1"',
  '',
].join('\n');

function staticEvidence(): EvidenceSet {
  const reason = 'static mode';
  return {
    dockerfile: collected(parseDockerfile(DOCKERFILE, { path: 'Dockerfile' })),
    context: skipped('no context'),
    compose: collected(composeOf({ compose: COMPOSE, files: { Dockerfile: DOCKERFILE } })),
    engine: skipped(reason),
    build: skipped(reason),
    rebuild: skipped(reason),
    cacheProbe: skipped(reason),
    image: skipped(reason),
    filesystem: skipped(reason),
    runtime: skipped(reason),
    composeUp: skipped(reason),
    vulnerabilities: skipped(reason),
    signatures: skipped(reason),
    attestations: skipped(reason),
  };
}

/** Recorded evidence of a real run, its image's HEALTHCHECK, CMD and PID 1 given credentials. */
function imageEvidence(): EvidenceSet {
  const evidence = copy(recorded('legacy').evidence);
  const image = valueOf(evidence.image)!;
  image.healthcheck!.test = ['CMD-SHELL', 'mysqladmin ping -uroot -pImgHealthPw3'];
  image.healthcheck!.argv = ['/bin/sh', '-c', 'mysqladmin ping -uroot -pImgHealthPw3'];
  image.cmd = ['/bin/sh', '-c', 'redis-server --requirepass ImgCmdPw4'];
  image.entrypoint = ['sh', '-c', 'PGPASSWORD=EntryPw6 exec "$@"'];
  const runtime = valueOf(evidence.runtime)!;
  for (const process of runtime.service.processes ?? [])
    process.command = process.init
      ? '/bin/sh -c redis-server --requirepass Pid1Pw5'
      : 'redis-server *:6379 --requirepass Pid1Pw5';
  return evidence;
}

function reportOf(...sets: [string, EvidenceSet][]) {
  const targets = sets.map(([name, evidence]) => {
    const { results, locate } = judgeEvidence(evidence, parseSettings({}));
    return buildTargetReport({
      name,
      kind: 'build',
      target: { context: name, dockerfile: `${name}/Dockerfile`, image: null, imageId: null },
      evidence,
      locate: locate ?? createLocator(valueOf(evidence.dockerfile), undefined, undefined),
      results,
      failOn: 'error',
      timings: {},
      baseline: null,
    });
  });
  return buildRunReport({ targets, checks: ALL_CHECKS, failOn: 'error', notes: [], timings: {} });
}

const leaks = (text: string): string[] => SECRETS.filter((secret) => text.includes(secret));

describe('no credential is echoed in any output', () => {
  const report = reportOf(['static', staticEvidence()], ['image', imageEvidence()]);
  const single = reportOf(['image', imageEvidence()]);

  it('the fixtures do put them in front of the checks', () => {
    // The checks do echo these commands (masked): the test would see a leak.
    const messages = report.targets.flatMap((target) => target.checks.map((check) => check.message)).join('\n');
    expect(messages).toContain('[redacted]');
    expect(messages).toMatch(/healthcheck `.*sqlcmd .*-P "\[redacted\]"/);
    expect(messages).toMatch(/HEALTHCHECK CMD mysqladmin ping -uroot -p\[redacted\]/);
  });

  it.each([
    ['JSON', () => renderJson(report)],
    ['JSON of one target (version 1 fields)', () => renderJson(single)],
    ['SARIF', () => JSON.stringify(renderSarif(report, ALL_CHECKS))],
    ['JUnit', () => renderJunit(report)],
    ['job summary', () => renderJobSummary(report)],
    ['PR comment', () => renderComment(report, '<!-- marker -->')],
    ['terminal', () => renderTerminal(report, { colour: false, width: 160 })],
    ['annotations', () => JSON.stringify(planAnnotations(report.checks))],
    ['Code Quality', () => JSON.stringify(renderCodeQuality(report))],
    [
      'security context',
      () =>
        report.targets
          .map((target) => (target.securityContext ? securityContextYaml(target.securityContext) : ''))
          .join(''),
    ],
  ])('%s', (_, render) => {
    expect(leaks(render())).toEqual([]);
  });

  it('the Actions log', () => {
    expect(leaks(logSafe('#7 [3/5] RUN htpasswd -bc /etc/nginx/.htpasswd admin HtPw77 (2.1 s)'))).toEqual([]);
    expect(
      leaks(logSafe('probing readiness by running the HEALTHCHECK (/bin/sh -c mysqladmin ping -pMyPa55)')),
    ).toEqual([]);
  });

  it('the CLI: its log, its terminal report and every file it writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'masking-'));
    try {
      writeFileSync(join(dir, 'compose.yaml'), COMPOSE);
      writeFileSync(join(dir, 'Dockerfile'), DOCKERFILE);
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const out: string[] = [];
      stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
      stderr.on('data', (chunk: Buffer) => out.push(chunk.toString()));
      const code = await runCli({
        argv: [
          'check',
          '--static-only',
          '--context',
          dir,
          '--json',
          join(dir, 'r.json'),
          '--sarif',
          join(dir, 'r.sarif'),
          '--markdown',
          join(dir, 'r.md'),
          '--junit',
          join(dir, 'r.xml'),
        ],
        cwd: dir,
        stdout,
        stderr,
        env: {},
      });
      expect(code).toBe(1);
      const files = ['r.json', 'r.sarif', 'r.md', 'r.xml'].map((name) => readFileSync(join(dir, name), 'utf8'));
      expect(files.join('\n')).toContain('[redacted]');
      expect(leaks([...out, ...files].join('\n'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
