import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RawInputs } from '../../src/inputs/config-file.js';
import type { Report, TargetReport } from '../../src/model.js';
import { CORPUS, describeCorpus } from '../helpers/corpus.js';
import { byId, checkRun, exec, leftovers } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// The real Node apps of the corpus (../shared/corpus/apps: full sources), each checked in a full
// run as a user would run it, on the engine that is up: built (the same contexts and Dockerfiles
// as node-apps.test.ts, so the builds come from the engine's cache once either file has run),
// inspected, run, and judged. Each test asserts what a reviewer would: it builds; how it ran (in
// its compose stack, or why alone, and what it waited for); and its failures, every one true of
// the app: the exact set at error level (no false error), and the key warnings.
//
// Kept quick: idle-seconds 1, and cache-probe off — link-shortener copies its whole context before
// `npm install`, so the probe would re-run that whole install (~30 s) to show what the Dockerfile
// already shows (HARD-CACHE-003 reads it); the others copy their manifests first, and the same
// rule reads that too.
//
// Where a test must change something, it says so: react-express-mongodb is copied to a scratch
// directory with the `# syntax=docker/dockerfile:1.4` line of its Dockerfiles blanked (BuildKit
// would fetch that frontend from Docker Hub, which no build here reaches; blanked rather than
// removed, so every finding keeps the corpus file's line number); and link-shortener's compose
// file names `redis/redis-stack`, which no registry here serves, so the local `redis:7-bookworm`
// stand-in (scripts/build-base-images.sh) is tagged with that name for the test and untagged
// after. MongoDB has no stand-in here at all: react-express-mongodb's backend runs alone, and its
// verdict names what it waited for.

//
// The apps' dev servers compile at start (nest --watch: 8–14 s on a quiet machine); beside the
// other integration tests of a CI run they can take longer than the default 30 s, so readiness is
// awaited up to 120 s. That changes when "never ready" is said, not how startup is judged.
const quick: RawInputs = { 'idle-seconds': '1', 'cache-probe': 'false', 'ready-timeout-seconds': '120' };

const target = (report: Report, name: string): TargetReport => {
  const found = report.targets.find((candidate) => candidate.name === name || candidate.name.endsWith(`/${name}`));
  if (!found) throw new Error(`no target ${name} in ${report.targets.map((candidate) => candidate.name).join(', ')}`);
  return found;
};

/** The checks a target failed at error level: the ones that fail a run with the default fail-on. */
const errors = (report: TargetReport): string[] =>
  report.checks
    .filter((result) => result.status === 'fail' && result.severity === 'error')
    .map((result) => result.id)
    .sort();

/** The target built; when it did not, the failure shows the build's own last lines. */
const expectBuilt = (report: TargetReport): void => {
  const build = byId(report, 'HARD-BUILD-001');
  expect({ status: build.status, log: build.status === 'pass' ? '' : build.message }).toEqual({
    status: 'pass',
    log: '',
  });
};

const failed = (report: TargetReport, id: string): string[] =>
  report.checks.filter((result) => result.id === id && result.status === 'fail').map((result) => result.message);

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

// The images the runs built are removed at the end (the build cache stays: a second run is quick);
// not forced, so an image another run is using stays.
const built = new Set<string>();
const keep = (report: Report): Report => {
  for (const entry of report.targets) if (entry.target.imageId) built.add(entry.target.imageId);
  return report;
};
afterAll(async () => {
  if (built.size > 0) await exec('docker', ['image', 'rm', ...built]);
});

describeCorpus('the corpus Node apps, each checked in a full run', () => {
  it('catalog-service-node: its final stage builds, runs as appuser and listens on 3000 at once; no HEALTHCHECK, no init, .env sent to the builder', async () => {
    // Its compose file is infrastructure only (postgres, kafka, localstack…): the app is not a
    // compose service, so it runs alone, and needs nothing to start (connections are made on the
    // first request).
    const report = keep(await checkRun({ ...quick, context: join(CORPUS, 'apps', 'catalog-service-node') }));
    expect(report.targets).toHaveLength(1);
    const app = report.targets[0];
    expectBuilt(app);
    expect(app.target.stage).toBeNull(); // the last stage, final
    expect(byId(app, 'HARD-STARTUP-001').message).toMatch(/^ready after [\d.]+ s \(port 3000 accepted a connection\)$/);
    expect(byId(app, 'HARD-STARTUP-002').status).toBe('pass');
    expect(byId(app, 'HARD-SHUTDOWN-001').status).toBe('pass');
    expect(byId(app, 'HARD-USER-003')).toMatchObject({ status: 'pass', measured: { uid: 1001 } });
    expect(byId(app, 'HARD-TOOLS-003').status).toBe('pass'); // npm ci --production: no dev tools
    // True failures: no HEALTHCHECK; no .dockerignore, so .env and .env.node (localhost settings
    // and test AWS keys) are sent to the builder, though the final stage copies only src/.
    expect(errors(app)).toEqual(['HARD-DOCKERIGNORE-004', 'HARD-HEALTH-001']);
    expect(failed(app, 'HARD-DOCKERIGNORE-004')).toEqual(['would be sent to the builder: .env, .env.node']);
    expect(failed(app, 'HARD-INIT-001')).toEqual([
      'PID 1 is the app itself (`node src/index.js`): no init forwards signals or reaps zombies',
    ]);
    // appuser owns the WORKDIR and its node_modules (chown -R, COPY --chown, npm ci as appuser).
    expect(failed(app, 'HARD-FILESYSTEM-002')[0]).toMatch(/: \/usr\/local\/app \(\d+\), \/home\/appuser \(\d+\)$/);
    expect(failed(app, 'HARD-USER-005')[0]).toMatch(/^USER 'appuser' is a name/);
  }, 900_000);

  it('link-shortener-typescript: in its stack with the Redis stand-in, it starts, idles and stops; root, a dev server, build tools, too big', async () => {
    const stand = 'redis/redis-stack:latest';
    const had = (await exec('docker', ['image', 'inspect', stand])).code === 0;
    if (!had) expect((await exec('docker', ['image', 'tag', 'redis:7-bookworm', stand])).code).toBe(0);
    let report: Report;
    try {
      report = keep(await checkRun({ ...quick, context: join(CORPUS, 'apps', 'link-shortener-typescript') }));
    } finally {
      if (!had) await exec('docker', ['image', 'rm', stand]);
    }
    const stack = target(report, 'docker-compose.yaml');
    expect(errors(stack)).toEqual([]);
    const app = target(report, 'dev');
    expectBuilt(app);
    // Its Redis up first (no health check of its own to wait for), the app on the stack's network
    // as `dev` with REDIS_HOST=redis from the compose file: it started, was sampled idle, stopped.
    expect(byId(app, 'HARD-STARTUP-001').message).toMatch(
      /^ready after [\d.]+ s \(port 3000 accepted a connection\); in its stack \(\S*link-shortener-typescript\/docker-compose\.yaml#dev\): redis up \(no health check to wait for\) first$/,
    );
    expect(app.metrics.startupSeconds).toBeGreaterThan(0);
    expect(byId(app, 'HARD-MEMORY-001').status).toBe('pass');
    expect(byId(app, 'HARD-CPU-001').status).toBe('pass');
    expect(byId(app, 'HARD-SHUTDOWN-001').status).toBe('pass');
    expect(app.metrics.idleMemoryBytes).toBeGreaterThan(50e6);
    expect(app.metrics.stopSeconds).toBeGreaterThan(0);
    // True failures: node:16 is the full image (gcc, make…) and ships with every devDependency:
    // 896 MB; no USER; no HEALTHCHECK.
    expect(errors(app)).toEqual([
      'HARD-HEALTH-001',
      'HARD-SIZE-001',
      'HARD-TOOLS-001',
      'HARD-USER-001',
      'HARD-USER-003',
    ]);
    expect(failed(app, 'HARD-USER-001')).toEqual(['runs as root: USER is not set, so the container runs as UID 0']);
    expect(failed(app, 'HARD-TOOLS-003')).toContain(
      'the image starts a development server: `npm run start:dev` runs `nest start --watch` (the scripts of /package.json)',
    );
    // `COPY . .` before the install (exec form): every code change reinstalls.
    expect(byId(app, 'HARD-CACHE-003')).toMatchObject({ status: 'fail', location: { line: 3 } });
    // The watcher compiles into /dist at start: read-only, it cannot.
    expect(failed(app, 'HARD-FILESYSTEM-004')[0]).toMatch(
      /it never became ready .*EROFS: read-only file system, mkdir '\/dist'/,
    );
  }, 900_000);

  it('react-express-mongodb: the frontend is a CRA dev server; the backend, without MongoDB (no stand-in), never listens, and the verdict names mongo:27017', async () => {
    // A scratch copy: the `# syntax=` lines blanked (see the top of the file).
    const app = join(scratchDir('react-express-mongodb'), 'react-express-mongodb');
    cpSync(join(CORPUS, 'apps', 'react-express-mongodb'), app, { recursive: true });
    for (const side of ['backend', 'frontend']) {
      const dockerfile = join(app, side, 'Dockerfile');
      writeFileSync(dockerfile, readFileSync(dockerfile, 'utf8').replace(/^#\s*syntax\s*=.*$/m, ''));
    }
    // MongoDB's driver gives up on a server only after 30 s (serverSelectionTimeoutMS) and says
    // why then: the backend is given time to become ready, so that line is in its log. The same
    // bound is how long the frontend's dev server may keep compiling after it listens (~20 s quiet,
    // more than 40 s beside a CI run's other work) before it is sampled idle: 90 s.
    const report = keep(await checkRun({ ...quick, context: app, 'ready-timeout-seconds': '90' }));
    expect(report.targets.map((entry) => entry.name).slice(1)).toEqual(['frontend', 'backend']);
    expect(errors(target(report, 'compose.yaml'))).toEqual([]);

    const backend = target(report, 'backend');
    expect(backend.target.stage).toBe('development'); // what compose builds
    expectBuilt(backend);
    const startup = byId(backend, 'HARD-STARTUP-001');
    expect(startup.status).toBe('fail');
    expect(startup.message).toMatch(
      /^port 3000 never accepted a connection within 90 s \(\d+ attempts\): it kept running, but could not reach what it needs \(the host name mongo does not resolve \(wanted at mongo:27017, MongoDB's port\)\); its log: MongoDB connection unsuccessful, retry after 2 seconds\. MongooseServerSelectionError: getaddrinfo (EAI_AGAIN|ENOTFOUND) mongo; run alone: its dependencies cannot be started: mongo's image mongo:4\.2\.0 is not on the engine and cannot be pulled/,
    );
    expect(startup.remediation).toMatch(
      /^It is \S*compose\.yaml#backend, a compose service, but ran alone because its dependencies cannot be started: .*: fix that .* and it is proven in its stack\.$/,
    );
    // Never ready: nothing timed, nothing judged on a run it did not have.
    expect(
      ['HARD-STARTUP-002', 'HARD-MEMORY-001', 'HARD-CPU-001', 'HARD-FILESYSTEM-004'].map(
        (id) => byId(backend, id).status,
      ),
    ).toEqual(['skip', 'skip', 'skip', 'skip']);
    expect(errors(backend)).toEqual(['HARD-HEALTH-001', 'HARD-STARTUP-001', 'HARD-USER-001', 'HARD-USER-003']);
    expect(failed(backend, 'HARD-TOOLS-003')).toContain(
      'the image starts a development server: `npm run dev` runs `nodemon server.js` (the scripts of /usr/src/app/package.json)',
    );

    const frontend = target(report, 'frontend');
    expectBuilt(frontend);
    // Its dependency is the backend, which this run builds: it runs alone, and needs nothing to start.
    expect(byId(frontend, 'HARD-STARTUP-001').message).toMatch(
      /^ready after [\d.]+ s \(port 3000 accepted a connection\); run alone: its dependencies cannot be started: backend builds its image \(no image: to run\); mongo's image mongo:4\.2\.0/,
    );
    // The dev server listens at once, then compiles for ~20 s: idle is sampled once that is done —
    // said when the compile was still running as it became ready, or a plain average when it had
    // already finished (a loaded machine can take longer to answer than to compile).
    const cpu = byId(frontend, 'HARD-CPU-001');
    expect([cpu.status, cpu.message]).toEqual([
      'pass',
      expect.stringMatching(
        /(, once it settled: it was busy \([\d.]+ CPU\) for [\d.]+ s after it became ready|^[\d.]+ CPU on average over [\d.]+ s \(limit [\d.]+\)$)/,
      ),
    ]);
    // True failures: node:lts-buster is the full image (gcc, make…), with every devDependency of a
    // Create React App: 974 MB; no USER; no HEALTHCHECK; `npm start` is the CRA dev server.
    expect(errors(frontend)).toEqual([
      'HARD-HEALTH-001',
      'HARD-SIZE-001',
      'HARD-TOOLS-001',
      'HARD-USER-001',
      'HARD-USER-003',
    ]);
    expect(failed(frontend, 'HARD-TOOLS-003')).toContain(
      'the image starts a development server: `npm start` runs `react-scripts start` (the scripts of /usr/src/app/package.json)',
    );
  }, 900_000);
});
