import { chooseApplicationFile, isDependencyManifest, matchSource } from '../../src/evidence/app-file.js';
import { probeEdit } from '../../src/evidence/cache.js';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import { fallbackPort } from '../../src/evidence/runtime/probe.js';
import { identityFromProcesses } from '../../src/evidence/runtime/identity.js';
import type { ProcessRecord } from '../../src/evidence/runtime/records.js';
import { healthArgv, toHealthcheck } from '../../src/evidence/image.js';
import { instructionOfStep } from '../../src/checks/build-steps.js';
import { classifyPid1, dependencyStep, isDependencyInstall, packageScriptRun } from '../../src/util/commands.js';
import { devServerStarted, findDevTools, findForbiddenTools } from '../../src/checks/tools.js';
import { neverShip } from '../../src/checks/filesystem/index.js';
import {
  manifestPaths,
  packageManifestOf,
  type FileRecord,
  type FilesystemEvidence,
} from '../../src/evidence/filesystem.js';
import { assignments, redacted, secretIn } from '../../src/util/secrets.js';

const file = (path: string, extra: Partial<FileRecord> = {}): FileRecord => ({
  path,
  type: 'file',
  mode: 0o755,
  uid: 0,
  gid: 0,
  size: 1,
  layer: 0,
  ...extra,
});

describe('classifyPid1', () => {
  it.each([
    ['/sbin/tini -- python app.py', 'init', 'tini'],
    ['/usr/bin/dumb-init -- node server.js', 'init', 'dumb-init'],
    ['/sbin/docker-init -- nginx', 'init', 'docker-init'],
    ['/bin/sh -c python -m app', 'shell', 'sh'],
    ['bash run.sh', 'shell', 'bash'],
    ['/busybox httpd -f', 'app', 'httpd'],
    ['/bin/busybox sh -c x', 'shell', 'sh'],
    ['python -m app', 'app', 'python'],
    ['/usr/bin/supervisord -c /etc/supervisor/supervisord.conf', 'init', 'supervisord'],
    ['/package/admin/s6/command/s6-svscan -d4 -- /run/service', 'init', 's6-svscan'],
    ['catatonit -- app', 'init', 'catatonit'],
    ['/init', 'app', 'init'],
  ])('%s → %s', (command, kind, program) => {
    expect(classifyPid1(command)).toEqual({ kind, program });
  });

  it("takes /init for s6-overlay's only where the image carries s6-overlay", () => {
    expect(classifyPid1('/init', { s6Overlay: true })).toEqual({ kind: 'init', program: 's6-overlay /init' });
    expect(classifyPid1('/usr/local/bin/init', { s6Overlay: true })).toEqual({ kind: 'app', program: 'init' });
  });
});

describe('findDevTools', () => {
  const files: Record<string, FileRecord> = {
    // npm's way: node_modules/.bin/<tool> links to the package's script.
    '/app/node_modules/.bin/nodemon': file('/app/node_modules/.bin/nodemon', {
      type: 'symlink',
      linkname: '../nodemon/bin/nodemon.js',
      layer: 4,
    }),
    '/app/node_modules/nodemon/bin/nodemon.js': file('/app/node_modules/nodemon/bin/nodemon.js', { layer: 4 }),
    // A dependency's own tools are not the application's.
    '/app/node_modules/foo/node_modules/.bin/jest': file('/app/node_modules/foo/node_modules/.bin/jest'),
    '/opt/venv/pyvenv.cfg': file('/opt/venv/pyvenv.cfg', { mode: 0o644 }),
    '/opt/venv/bin/pytest': file('/opt/venv/bin/pytest', { layer: 5 }),
    '/opt/venv/lib/python3.11/site-packages/debugpy/__init__.py': file(
      '/opt/venv/lib/python3.11/site-packages/debugpy/__init__.py',
      { mode: 0o644, layer: 5 },
    ),
    // A web framework that shares a dev tool's name is not it.
    '/usr/local/lib/python3.11/site-packages/air/__init__.py': file(
      '/usr/local/lib/python3.11/site-packages/air/__init__.py',
      { mode: 0o644 },
    ),
    '/usr/local/bin/dlv': file('/usr/local/bin/dlv', { layer: 6 }),
    '/usr/share/doc/vite': file('/usr/share/doc/vite'),
  };
  it('finds them on the PATH, in node_modules/.bin, in a virtualenv and as Python packages', () => {
    expect(
      findDevTools(
        files,
        ['PATH=/usr/local/bin:/usr/bin'],
        ['nodemon', 'jest', 'pytest', 'debugpy', 'air', 'dlv', 'vite'],
      ),
    ).toEqual([
      { tool: 'debugpy', path: '/opt/venv/lib/python3.11/site-packages/debugpy', layer: 5 },
      { tool: 'dlv', path: '/usr/local/bin/dlv', layer: 6 },
      { tool: 'nodemon', path: '/app/node_modules/.bin/nodemon', layer: 4 },
      { tool: 'pytest', path: '/opt/venv/bin/pytest', layer: 5 },
    ]);
  });
});

describe('the dev server a command starts', () => {
  const manifest = packageManifestOf(
    '/usr/src/app/package.json',
    JSON.stringify({
      scripts: {
        start: 'react-scripts start',
        dev: 'npm run watch',
        watch: 'nodemon server.js',
        serve: 'node server.js',
      },
    }),
  );
  it('reads the package.json script a package manager runs, past the entrypoint that execs it', () => {
    expect(devServerStarted('docker-entrypoint.sh npm start', manifest)).toEqual(['npm start', 'react-scripts start']);
    expect(devServerStarted('tini -- yarn run dev', manifest)).toEqual([
      'yarn run dev',
      'npm run watch',
      'nodemon server.js',
    ]);
    // By name, where the image has no package.json to read.
    expect(devServerStarted('docker-entrypoint.sh npm run start:dev', null)).toEqual(['npm run start:dev']);
    expect(devServerStarted('/usr/local/bin/docker-entrypoint.sh nodemon app.js', null)).toEqual(['nodemon app.js']);
  });
  it('passes a script that starts the production server, and a command that runs no script', () => {
    expect(devServerStarted('docker-entrypoint.sh npm run serve', manifest)).toBeNull();
    expect(devServerStarted('docker-entrypoint.sh npm start', null)).toBeNull();
    expect(devServerStarted('docker-entrypoint.sh node server.js', manifest)).toBeNull();
    expect(devServerStarted('npm ci', manifest)).toBeNull();
  });
  it('tells the script each package manager runs', () => {
    const run = (line: string): ReturnType<typeof packageScriptRun> => {
      const [program, ...args] = line.split(' ');
      return packageScriptRun({ program, args });
    };
    expect(run('npm start')).toEqual({ run: 'npm start', script: 'start' });
    expect(run('/usr/local/bin/npm --silent run-script dev -- --port 3000')).toEqual({
      run: 'npm --silent run-script dev',
      script: 'dev',
    });
    expect(run('npm t')).toEqual({ run: 'npm t', script: 'test' });
    expect(run('yarn dev-container')).toEqual({ run: 'yarn dev-container', script: 'dev-container' });
    expect(run('pnpm run build')).toEqual({ run: 'pnpm run build', script: 'build' });
    expect(run('yarn install')).toBeNull();
    expect(run('npm ci')).toBeNull();
    expect(run('node server.js')).toBeNull();
  });
  it('finds the package.json npm reads from the WORKDIR up, and its scripts', () => {
    expect(manifestPaths('/usr/src/app')).toEqual([
      '/usr/src/app/package.json',
      '/usr/src/package.json',
      '/usr/package.json',
      '/package.json',
    ]);
    expect(manifestPaths('')).toEqual(['/package.json']);
    expect(packageManifestOf('/package.json', '{"name":"x"}')).toEqual({ path: '/package.json', scripts: {} });
    expect(packageManifestOf('/package.json', 'not json')).toBeNull();
  });
});

describe('findForbiddenTools', () => {
  const files: Record<string, FileRecord> = {
    '/usr/bin/gcc-12': file('/usr/bin/gcc-12', { layer: 2 }),
    '/usr/bin/x86_64-linux-gnu-gcc-12': file('/usr/bin/x86_64-linux-gnu-gcc-12', {
      type: 'symlink',
      linkname: 'gcc-12',
    }),
    '/usr/bin/ocaml-make': file('/usr/bin/ocaml-make'),
    '/usr/bin/pkg-config': file('/usr/bin/pkg-config'),
    '/usr/bin/gdb': file('/usr/bin/gdb', { type: 'symlink', linkname: '/missing/gdb' }),
    '/usr/bin/make': file('/usr/bin/make', { mode: 0o644 }),
    '/opt/tools/gcc': file('/opt/tools/gcc'),
    '/usr/local/bin/ld': file('/usr/local/bin/ld', { layer: 3 }),
  };
  it('matches versioned and target-prefixed names on the PATH only, executables only', () => {
    expect(findForbiddenTools(files, ['PATH=/usr/local/bin:/usr/bin'], ['gcc', 'make', 'gdb', 'ld'])).toEqual([
      { tool: 'gcc', path: '/usr/bin/gcc-12', layer: 2 },
      { tool: 'ld', path: '/usr/local/bin/ld', layer: 3 },
    ]);
  });
});

describe('secrets', () => {
  it.each([
    ['DB_PASSWORD', 'hunter2', 'a literal value for a secret-looking name'],
    ['GITHUB_TOKEN', 'ghp_' + 'a'.repeat(36), 'a GitHub token'],
    ['ANYTHING', 'AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['DATABASE_URL', 'postgres://app:s3cret@db:5432/app', 'a password inside a URL'],
    ['DB_PASSWORD_FILE', '/run/secrets/db', null],
    ['DB_PASSWORD', '', null],
    ['DB_PASSWORD', '${DB_PASSWORD}', null],
    ['DB_PASSWORD', '${DB_PASSWORD:-}', null],
    ['DB_PASSWORD', '${DB_PASSWORD:-changeme}', 'a literal value for a secret-looking name'],
    // Settings about secrets, placeholders and values read at run time are not credentials.
    ['PASSWORD_MIN_LENGTH', '12', null],
    ['MAILCOW_PASS_SCHEME', 'BLF-CRYPT', null],
    ['TOKEN_EXPIRY', '3600', null],
    ['API_KEY', 'invalid', null],
    ['ADMIN_PASSWORD', '<set a password>', null],
    ['RABBITMQ_DEFAULT_PASS', '$(cat /run/secrets/rabbitmq)', null],
    ['DATABASE_URL', 'postgres://app:${DB_PASSWORD}@db/app', null],
    // Names glued to their prefix, and clients' own variables.
    ['PGPASSWORD', 'pgs3cret', 'a literal value for a secret-looking name'],
    ['MYSQL_PWD', 'my5ecret', 'a literal value for a secret-looking name'],
    ['REDISCLI_AUTH', 'r3dis', 'a literal value for a secret-looking name'],
    ['ADMIN_PASSWORD', 'changeme', 'a literal value for a secret-looking name'],
    ['LOG_LEVEL', 'info', null],
    ['TOKEN_PATH', '/var/run/token', null],
  ])('%s=%s → %s', (name, value, kind) => {
    expect(secretIn(name, value)).toBe(kind);
  });

  it('redacts and parses assignments of history entries', () => {
    expect(redacted('hunter2')).toBe('[redacted, 7 characters]');
    expect(assignments('|2 NPM_TOKEN=abc SOME="a b" /bin/sh -c npm ci')).toEqual([
      { name: 'NPM_TOKEN', value: 'abc' },
      { name: 'SOME', value: 'a b' },
    ]);
  });
});

describe('neverShip', () => {
  const filesystem = (files: FileRecord[], keyFiles: Record<string, string> = {}): FilesystemEvidence => ({
    size: { unpackedBytes: 0, compressedBytes: null, compressedFrom: 'not-measured', layerCompression: 'none' },
    configuredUser: { configured: '', uid: 0, gid: 0, name: 'root', problem: null },
    files: Object.fromEntries(files.map((entry) => [entry.path, entry])),
    keyFiles,
    layers: [],
    history: [],
    passwd: null,
    group: null,
    bytesRead: 0,
  });
  it('finds secrets by name and by content, and leaves certificates and package fixtures alone', () => {
    const found = neverShip(
      filesystem(
        [
          file('/app/.env'),
          file('/app/.env.example'),
          file('/app/.git', { type: 'directory' }),
          file('/app/.git/HEAD'),
          file('/app/key.pem'),
          file('/app/ca.pem'),
          file('/etc/ssl/private/ssl-cert-snakeoil.key'),
          file('/usr/local/lib/python3.11/site-packages/pkg/tests/.env'),
          file('/app/credentials/service.json'),
          file('/root/.npmrc'),
        ],
        {
          '/app/key.pem': '-----BEGIN RSA PRIVATE KEY-----\n',
          '/app/ca.pem': '-----BEGIN CERTIFICATE-----\n',
          '/root/.npmrc': '//registry.npmjs.org/:_authToken=abc',
        },
      ),
    );
    expect(found.map((entry) => entry.path).sort()).toEqual([
      '/app/.env',
      '/app/.git',
      '/app/credentials/service.json',
      '/app/key.pem',
      '/root/.npmrc',
    ]);
  });
});

describe('the cache probe', () => {
  const dockerfile = parseDockerfile(
    [
      'FROM python:3.11-slim AS build',
      'WORKDIR /src',
      'COPY requirements.txt setup.py ./',
      'RUN pip install -r requirements.txt',
      'COPY src ./src',
      'FROM python:3.11-slim',
      'COPY --from=build /src /app',
      'COPY ["static/*.css", "app/main.py", "/app/"]',
      'CMD ["python", "/app/main.py"]',
    ].join('\n'),
    { path: 'Dockerfile' },
  );
  const files = [
    'requirements.txt',
    'setup.py',
    'src/lib.py',
    'static/site.css',
    'static/logo.png',
    'app/main.py',
    'README.md',
  ].map((path) => ({ path, size: 1 }));

  it("chooses a source file of the shipped stage's last context COPY, never a manifest", () => {
    expect(chooseApplicationFile(dockerfile, files)).toBe('app/main.py');
    expect(isDependencyManifest('requirements-dev.txt')).toBe(true);
    expect(isDependencyManifest('web/package-lock.json')).toBe(true);
    expect(isDependencyManifest('src/main.py')).toBe(false);
  });

  it('matches COPY sources as Docker does: ., directories, files, globs within a segment', () => {
    expect(matchSource('.', files)).toHaveLength(7);
    expect(matchSource('src/', files).map((entry) => entry.path)).toEqual(['src/lib.py']);
    expect(matchSource('static/*.css', files).map((entry) => entry.path)).toEqual(['static/site.css']);
    expect(matchSource('*.txt', files).map((entry) => entry.path)).toEqual(['requirements.txt']);
  });

  it('maps BuildKit step names to Dockerfile lines', () => {
    // WORKDIR is a step too: FROM 1, WORKDIR 2, COPY 3, RUN 4, COPY 5.
    expect(instructionOfStep(dockerfile, '[build 5/5] COPY src ./src')?.line).toBe(5);
    expect(instructionOfStep(dockerfile, '[build 4/5] RUN pip install -r requirements.txt')?.line).toBe(4);
    expect(instructionOfStep(dockerfile, '[stage-1 3/3] COPY ["static/*.css", "app/main.py", "/app/"]')?.line).toBe(8);
    expect(instructionOfStep(dockerfile, '[build 1/5] FROM docker.io/library/python:3.11-slim')).toBeNull();
    expect(instructionOfStep(dockerfile, '[build 3/5] RUN mismatch')).toBeNull(); // step 3 is a COPY
  });

  it('recognises dependency installs', () => {
    for (const text of [
      'RUN pip install -r requirements.txt',
      'RUN npm ci',
      'RUN yarn install --frozen-lockfile',
      'RUN go mod download',
      'RUN apt-get install -y curl',
      'RUN bundle install',
    ])
      expect(isDependencyInstall(text)).toBe(true);
    for (const text of ['RUN yarn build', 'RUN npm run build', 'RUN python -m compileall .', 'RUN mkdir -p logs'])
      expect(isDependencyInstall(text)).toBe(false);
    // Exec form, as the Dockerfile writes it and BuildKit names the step.
    expect(isDependencyInstall('[3/3] RUN ["npm", "install"]')).toBe(true);
    expect(isDependencyInstall('RUN ["sh", "-c", "pip install -r requirements.txt"]')).toBe(true);
    expect(isDependencyInstall('RUN ["npm", "run", "build"]')).toBe(false);
    expect(dependencyStep('["go", "build", "-o", "/app", "."]')).toEqual({ ecosystem: 'go', how: 'build' });
  });

  it('edits the copy uniquely, as a comment where the language has one', () => {
    expect(probeEdit('app/main.py')).toMatch(/^\n# cs-docker-hardening cache probe [0-9a-f-]{36}\n$/);
    expect(probeEdit('web/index.ts')).toMatch(/^\n\/\/ cs-docker-hardening cache probe /);
    expect(probeEdit('web/index.html')).toMatch(/^\n<!-- cs-docker-hardening cache probe .* -->\n$/);
    expect(probeEdit('data.bin')).toMatch(/^\n+$/);
    expect(probeEdit('app/main.py')).not.toBe(probeEdit('app/main.py'));
  });
});

describe('health check settings in force', () => {
  const seconds = 1e9;
  // Docker's defaults as its Dockerfile reference documents them
  // (https://docs.docker.com/reference/dockerfile/#healthcheck), copied from there, not from the
  // code under test: a table in the code that drifts from Docker's fails here.
  const documented = `
The options that can appear before CMD are:

--interval=DURATION (default: 30s)
--timeout=DURATION (default: 30s)
--start-period=DURATION (default: 0s)
--start-interval=DURATION (default: 5s)
--retries=N (default: 3)
`;
  const docker = (option: string): number => {
    const found = new RegExp(`^--${option}=\\S+ \\(default: (\\d+)s?\\)$`, 'm').exec(documented);
    if (!found) throw new Error(`no --${option} in the documented options`);
    return Number(found[1]);
  };

  it("are the ones written, else Docker's documented defaults; the start interval only where the engine has one", () => {
    const written = {
      Test: ['CMD', 'true'],
      Interval: 10 * seconds,
      StartPeriod: 2 * seconds,
      StartInterval: 1 * seconds,
    };
    expect(toHealthcheck(written, true)!.effective).toEqual({
      interval: 10,
      timeout: docker('timeout'),
      startPeriod: 2,
      startInterval: 1,
      retries: docker('retries'),
    });
    // Engine 20.10 (API 1.41) knows no start interval: the first check waits a whole interval.
    expect(toHealthcheck(written, false)!.effective.startInterval).toBeNull();
    // Nothing written: the engine reports 0 for each option (unset), and Docker's defaults apply.
    const unset = { Test: ['CMD', 'true'], Interval: 0, Timeout: 0, StartPeriod: 0, StartInterval: 0, Retries: 0 };
    for (const raw of [{ Test: ['CMD', 'true'] }, unset])
      expect(toHealthcheck(raw, true)!.effective).toEqual({
        interval: docker('interval'),
        timeout: docker('timeout'),
        startPeriod: docker('start-period'),
        startInterval: docker('start-interval'),
        retries: docker('retries'),
      });
    expect(toHealthcheck({ Test: ['NONE'] }, true)!.argv).toBeNull();
    expect(toHealthcheck(undefined, true)).toBeNull();
  });
});

describe('probes', () => {
  it('run the HEALTHCHECK as Docker would, and fall back to the first TCP port', () => {
    expect(healthArgv(['CMD', 'curl', '-f', 'http://localhost/'])).toEqual(['curl', '-f', 'http://localhost/']);
    expect(healthArgv(['CMD-SHELL', 'curl -f http://localhost/ || exit 1'])).toEqual([
      '/bin/sh',
      '-c',
      'curl -f http://localhost/ || exit 1',
    ]);
    expect(healthArgv(['NONE'])).toBeNull();
    expect(fallbackPort(['53/udp', '8080/tcp', '9090'])).toBe(8080);
    expect(fallbackPort(['53/udp'])).toBeNull();
  });
});

describe('the identity of the running service, from its processes', () => {
  const process = (pid: number, uid: number, command: string): ProcessRecord => ({
    pid,
    uid,
    gid: uid,
    command,
    init: pid === 1,
  });

  it('is root when any process is root, else PID 1; each program and UID is listed once', () => {
    const workers = [
      process(1, 18081, '/sbin/tini -- httpd'),
      process(7, 18081, 'httpd -f'),
      process(9, 18081, 'httpd'),
    ];
    expect(identityFromProcesses(workers)).toMatchObject({
      uid: 18081,
      detail: 'processes of the running service: /sbin/tini (UID 18081), httpd (UID 18081)',
    });
    const dropped = [
      process(1, 0, 'nginx: master'),
      process(5, 101, 'nginx: worker'),
      process(6, 101, 'nginx: worker'),
    ];
    expect(identityFromProcesses(dropped)).toMatchObject({
      uid: 0,
      detail: 'processes of the running service: nginx: (UID 0), nginx: (UID 101)',
    });
  });
});
