import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseDockerfile } from '../../src/evidence/dockerfile.js';
import type { CheckResult } from '../../src/model.js';
import { analyse } from '../helpers/static.js';
import { CORPUS, corpusDir, corpusState, describeCorpus, NO_CORPUS } from '../helpers/corpus.js';

// Real-world Dockerfiles and compose files (../shared/corpus, read in place: nothing of it is
// copied into the project): every one is analysed without a crash, and the findings named here
// are ones a reviewer would agree with — and the false ones fixed along the way stay fixed.

const present = corpusDir() !== null;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

const files = present ? walk(CORPUS) : [];
const dockerfiles = files.filter((path) => /(^|\/)Dockerfile$/.test(path));
const composeFiles = files.filter((path) => /(^|\/)(docker-)?compose\.ya?ml$/.test(path));
const read = (path: string): string => readFileSync(join(CORPUS, path), 'utf8');
const find = (results: CheckResult[], id: string) =>
  results
    .filter((result) => result.id === id && result.status === 'fail')
    .map((result) => [result.severity, result.location?.line]);

describeCorpus('the corpus', () => {
  it('has the files the tests expect', () => {
    expect(dockerfiles.length).toBeGreaterThanOrEqual(25);
    expect(composeFiles.length).toBeGreaterThanOrEqual(20);
  });

  it.each(dockerfiles.map((path) => relative(CORPUS, path)))('analyses %s without a crash or a parse error', (path) => {
    const text = read(path);
    expect(parseDockerfile(text, { path }).syntaxErrors).toEqual([]);
    const results = analyse({ dockerfile: text });
    expect(results.filter((result) => result.status === 'error')).toEqual([]);
    // Every finding points at a line of the file.
    const lineCount = text.split('\n').length;
    for (const result of results.filter((entry) => entry.status === 'fail'))
      expect(result.location!.line!).toBeLessThanOrEqual(lineCount);
  });

  it.each(composeFiles.map((path) => relative(CORPUS, path)))('analyses %s without a crash', (path) => {
    const results = analyse({ compose: read(path) });
    expect(results.filter((result) => result.status === 'error')).toEqual([]);
    expect(results.filter((result) => result.category === 'compose').length).toBeGreaterThan(0);
  });

  describe('findings a reviewer agrees with', () => {
    it('compose: privileges, host access, literal secrets, exposed databases', () => {
      expect(
        find(analyse({ compose: read('awesome-compose/pihole-cloudflared-DoH/compose.yaml') }), 'HARD-COMPOSE-007'),
      ).toContainEqual(['error', 42]); // cap_add NET_ADMIN
      expect(
        find(analyse({ compose: read('awesome-compose/traefik-golang/compose.yaml') }), 'HARD-COMPOSE-007'),
      ).toEqual([['error', 10]]); // docker.sock
      expect(find(analyse({ compose: read('awesome-compose/plex/compose.yaml') }), 'HARD-COMPOSE-007')).toEqual([
        ['error', 5],
      ]); // network_mode: host
      expect(
        find(analyse({ compose: read('awesome-compose/nextcloud-postgres/compose.yaml') }), 'HARD-COMPOSE-008'),
      ).toContainEqual(['warning', 6]); // POSTGRES_PASSWORD=nextcloud: the user's name, a weak default that ships
      expect(
        find(analyse({ compose: read('awesome-compose/prometheus-grafana/compose.yaml') }), 'HARD-COMPOSE-008'),
      ).toEqual([['warning', 21]]); // GF_SECURITY_ADMIN_PASSWORD=grafana: the image's name, a weak default
      expect(
        find(
          analyse({ compose: read('awesome-compose/elasticsearch-logstash-kibana/compose.yaml') }),
          'HARD-COMPOSE-009',
        ),
      ).toEqual([
        ['warning', 9],
        ['warning', 10],
      ]);
    });

    it('official images: their build-dependency purge and lists removal are recognised, their gosu drop is not called an error', () => {
      const python = analyse({ dockerfile: read('docker-library/python/3.11/slim-bookworm/Dockerfile') });
      expect(find(python, 'HARD-TOOLS-002')).toEqual([]); // gcc installed and purged with --auto-remove in one RUN
      expect(find(python, 'HARD-DOCKERFILE-004')).toEqual([]);
      expect(find(python, 'HARD-DOCKERFILE-003')).toEqual([]);
      const alpine = analyse({ dockerfile: read('docker-library/python/3.11/alpine3.23/Dockerfile') });
      expect(find(alpine, 'HARD-TOOLS-002')).toEqual([]); // apk add --virtual .build-deps … apk del .build-deps
      expect(
        find(analyse({ dockerfile: read('docker-library/python/3.13/slim-trixie/Dockerfile') }), 'HARD-DOCKERFILE-004'),
      ).toEqual([]); // apt-get dist-clean
      // The corpus holds the Dockerfile, not its docker-entrypoint.sh: the drop cannot be read, but
      // the image installs gosu and starts with that script, so it may drop root — a warning that
      // says so, never "runs as root". With the script read, the script decides (dockerfile-reviewed.test.ts).
      const postgres = analyse({ dockerfile: read('docker-library/postgres/16/bookworm/Dockerfile') });
      expect(find(postgres, 'HARD-USER-004')).toEqual([['warning', 7]]);
      expect(postgres.find((result) => result.id === 'HARD-USER-004')?.message).toContain(
        'it installs gosu, which its entrypoint docker-entrypoint.sh (copied from the build context by the COPY on line 189) may use to drop privileges: the script could not be read here',
      );
    });

    it('self-hosted projects: the false findings fixed stay fixed, and the new checks find what is there', () => {
      const project = (path: string) => analyse({ dockerfile: read(`projects/${path}`) });
      // s6-overlay's /init, set up by the Dockerfile, is an init.
      expect(find(project('nginx-proxy-manager/docker/Dockerfile'), 'HARD-INIT-004')).toEqual([]);
      // ENTRYPOINT [] then CMD ["/sbin/tini", …]: tini is PID 1.
      expect(find(project('mailcow-dockerized/data/Dockerfiles/clamd/Dockerfile'), 'HARD-INIT-004')).toEqual([]);
      // A case pattern's `aarch64|arm64)` is no pipe.
      expect(find(project('penpot/docker/devenv/Dockerfile'), 'HARD-DOCKERFILE-014')).not.toContainEqual([
        'warning',
        38,
      ]);
      // A base set by build arguments without defaults is shown as written and not judged for pinning.
      const jellyfin = project('jellyfin-packaging/debian/docker/Dockerfile');
      expect(jellyfin.find((result) => result.id === 'HARD-USER-004')?.message).toContain(
        'its base image ${PACKAGE_TYPE}:${PACKAGE_VERSION},',
      );
      expect(find(jellyfin, 'HARD-DOCKERFILE-002')).toEqual([]);
      // apt-get update used by apt-cache and apt-get download in the same RUN; gosu from a copied stage.
      const synapse = project('synapse/docker/Dockerfile');
      expect(find(synapse, 'HARD-DOCKERFILE-005')).toEqual([]);
      expect(find(synapse, 'HARD-USER-004')).toEqual([['warning', 170]]); // gosu installed, /start.py not in the corpus
      // `RUN gosu postgres initdb` runs gosu, it does not say how the container starts.
      expect(
        project('synapse/docker/complement/Dockerfile').find((result) => result.id === 'HARD-USER-004')?.message,
      ).toContain('root unless that image sets one');
      // Entrypoint scripts the corpus does not hold are not called "not an init".
      expect(find(project('docker-zulip/Dockerfile'), 'HARD-INIT-004')).toEqual([['notice', 92]]);
      expect(find(project('synapse/docker/complement/Dockerfile'), 'HARD-INIT-004')).toEqual([['notice', 57]]);
      // Only CMD over node's image: its docker-entrypoint.sh runs it.
      expect(find(project('listmonk/dev/app.Dockerfile'), 'HARD-INIT-004')).toEqual([['notice', 11]]);
      // apt lists in a tmpfs mount, or removed with /var/lib.
      expect(find(project('discourse_docker/image/base/Dockerfile'), 'HARD-DOCKERFILE-004')).toEqual([
        ['warning', 264],
      ]);
      expect(find(project('penpot/docker/images/Dockerfile.backend'), 'HARD-DOCKERFILE-004')).toEqual([]);
      // An ARG default that names the base: one finding, on the ARG.
      expect(find(project('discourse_docker/image/discourse_dev/Dockerfile'), 'HARD-DOCKERFILE-002')).toEqual([
        ['warning', 4],
        ['notice', 36],
        ['notice', 45],
      ]);
      // LABEL maintainer "x" (legacy form) sets maintainer.
      expect(
        project('requarks-wiki/dev/containers/Dockerfile').find((result) => result.id === 'HARD-LABELS-003')?.message,
      ).toBe('missing: version, security.non-root');
      // The install that pulls in packages is named.
      expect(
        project('jellyfin-packaging/portable/Dockerfile').find((result) => result.id === 'HARD-DOCKERFILE-003')
          ?.message,
      ).toContain('`apt-get install -y dotnet-sdk-${DOTNET_VERSION}`');
      // A branch's archive installed with pip, a downloaded .deb installed with dpkg.
      expect(
        find(project('mailcow-dockerized/data/Dockerfiles/olefy/Dockerfile'), 'HARD-DOCKERFILE-017'),
      ).toContainEqual(['warning', 9]);
      expect(find(project('jellyfin-packaging/portable/Dockerfile'), 'HARD-DOCKERFILE-017')).toContainEqual([
        'warning',
        53,
      ]);
      // yarn install of a package.json the corpus does not hold: it may hold devDependencies, a notice.
      expect(find(project('nginx-proxy-manager/test/cypress/Dockerfile'), 'HARD-TOOLS-004')).toEqual([['notice', 21]]);
      // hadolint ignore=DL3005 above the dist-upgrade is honoured.
      expect(find(project('docker-zulip/Dockerfile'), 'HARD-DOCKERFILE-007')).toEqual([]);
      expect(find(synapse, 'HARD-DOCKERFILE-017')).toEqual([['warning', 80]]); // curl https://sh.rustup.rs | sh
      // A stand-in DATABASE_URL (user:pass@localhost/dummy) in the builder's ENV is no credential.
      expect(find(project('umami/Dockerfile'), 'HARD-SECRETS-003')).toEqual([]);
      // yarn install inside a bind mount that is not kept.
      expect(find(project('discourse_docker/image/discourse_dev/Dockerfile'), 'HARD-TOOLS-004')).toEqual([]);
      // An unverified binary on the PATH.
      expect(find(project('discourse_docker/image/setup_wizard/Dockerfile'), 'HARD-DOCKERFILE-017')).toContainEqual([
        'warning',
        6,
      ]);
    });

    it('multi-stage: the shipped stage is judged, with what it inherits', () => {
      const flask = analyse({ dockerfile: read('awesome-compose/flask/app/Dockerfile') });
      expect(find(flask, 'HARD-INIT-004')).toEqual([['warning', 12]]); // ENTRYPOINT inherited from the builder stage
      expect(find(flask, 'HARD-DOCKERFILE-009')).toEqual([['warning', 17]]); // `apk add git` inside a heredoc
    });
  });
});

describe('edge cases the corpus lacks', () => {
  const text = readFileSync('__tests__/fixtures/static/edge-cases.Dockerfile', 'utf8');
  const parsed = parseDockerfile(text, { path: 'edge-cases.Dockerfile' });

  it('parses ARG-parameterised FROMs, heredocs and comments inside continuations', () => {
    expect(parsed.syntaxErrors).toEqual([]);
    expect(parsed.stages.map((stage) => [stage.name, stage.base, stage.line])).toEqual([
      ['build', 'python:3.11-slim', 6],
      ['runtime', 'debian:bookworm-slim', 18],
      [null, 'runtime', 22],
    ]);
    expect(
      parsed.stages[0].instructions.map((instruction) => [instruction.keyword, instruction.line, instruction.endLine]),
    ).toEqual([
      ['RUN', 7, 10],
      ['RUN', 11, 15],
      ['COPY', 16, 16],
    ]);
  });

  it('a well-hardened file gets no finding above notice', () => {
    const results = analyse({ dockerfile: text });
    expect(
      results
        .filter((result) => result.status === 'error' || (result.status === 'fail' && result.severity !== 'notice'))
        .map((result) => `${result.id} ${result.message}`),
    ).toEqual([]);
  });
});

describe('without the corpus', () => {
  const here =
    (...present: string[]) =>
    (path: string) =>
      present.includes(path);
  const cwd = '/work/project';
  const at = '/work/shared/corpus';

  it('the corpus tests fail, in CI or not, naming where it was looked for', () => {
    for (const env of [{}, { CI: 'true' }]) {
      const state = corpusState(env, here(), cwd);
      expect(state.state).toBe('missing');
      expect(state.state === 'missing' && state.why).toContain(`no corpus at ${at}`);
    }
  });

  it('a directory that is not the corpus fails too (a wrong CS_CORPUS_DIR reads nothing)', () => {
    expect(corpusState({ CS_CORPUS_DIR: '/tmp/empty' }, here('/tmp/empty'), cwd)).toMatchObject({ state: 'missing' });
    expect(corpusState({}, here(at, `${at}/SOURCES.md`, `${at}/apps`), cwd)).toEqual({ state: 'present', dir: at });
  });

  it('they are skipped only when the one running them opts out, and never under CI', () => {
    expect(corpusState({ CS_CORPUS_DIR: NO_CORPUS }, here(), cwd).state).toBe('opted-out');
    expect(corpusState({ CS_CORPUS_DIR: NO_CORPUS, CI: 'true' }, here(), cwd).state).toBe('missing');
  });
});
