import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkRequiredLabels } from '../../src/checks/labels.js';
import { collectContextEvidence, type ContextEvidence } from '../../src/evidence/context.js';
import { manifestFacts, scriptFacts } from '../../src/evidence/scripts.js';
import { baseSetsNoEntrypoint, privilegeDrop } from '../../src/util/commands.js';
import { standInUrl } from '../../src/util/stand-in-url.js';
import type { CheckResult } from '../../src/model.js';
import { analyse, type StaticInput } from '../helpers/static.js';
import { copy, judge, recorded, result } from '../helpers/evidence.js';

// The classes of findings reviewers judged false on real self-hosted projects, each with a
// fixture shaped like the real case that the product must leave alone (or only note), and one
// beside it that it must still find. The fixtures are written here; no project's file is copied.

const lines = (...text: string[]): string => text.join('\n');
const of = (input: StaticInput, id: string): CheckResult[] =>
  analyse(input).filter((entry) => entry.id === id && entry.status === 'fail');
const found = (input: StaticInput, id: string): [string | undefined, number | undefined][] =>
  of(input, id).map((entry) => [entry.severity, entry.location?.line]);

/** A build context on disk, read by the real collector (as a run reads it). */
function onDisk(files: Record<string, string>): { dir: string; context: () => Promise<ContextEvidence> } {
  const dir = mkdtempSync(join(tmpdir(), 'dffix-context-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return {
    dir,
    context: () =>
      collectContextEvidence({
        contextDir: dir,
        dockerfilePath: join(dir, 'Dockerfile'),
        show: (path) => path.slice(dir.length + 1),
      }),
  };
}

const disks: string[] = [];
afterAll(() => {
  for (const dir of disks) rmSync(dir, { recursive: true, force: true });
});

async function analyseOnDisk(files: Record<string, string>, id: string): Promise<CheckResult[]> {
  const disk = onDisk(files);
  disks.push(disk.dir);
  const context = await disk.context();
  return of({ dockerfile: files.Dockerfile, context }, id);
}

describe('HARD-DOCKERFILE-004: apt lists kept out of the layer by a mount or a removal above them', () => {
  const install = 'apt-get update && apt-get install -y --no-install-recommends curl';

  it('a tmpfs or cache mount on /var/lib/apt (or the lists, or above) keeps them out', () => {
    for (const mount of [
      '--mount=type=tmpfs,target=/var/log --mount=type=tmpfs,target=/var/cache/apt --mount=type=tmpfs,target=/var/lib/apt',
      '--mount=type=cache,target=/var/lib/apt/lists,sharing=locked',
      '--mount=type=cache,target=/var/lib/apt/,sharing=locked --mount=type=cache,target=/var/cache/apt',
      '--mount=type=tmpfs,target=/var/lib',
    ])
      expect(found({ dockerfile: lines('FROM debian:12', `RUN ${mount} ${install}`) }, 'HARD-DOCKERFILE-004')).toEqual(
        [],
      );
    // A mount elsewhere (the logs only) leaves the lists in the layer.
    expect(
      found(
        { dockerfile: lines('FROM debian:12', `RUN --mount=type=tmpfs,target=/var/log ${install}`) },
        'HARD-DOCKERFILE-004',
      ),
    ).toEqual([['warning', 2]]);
  });

  it('rm -rf of a directory above the lists removes them; a plain rm of one does not', () => {
    for (const removal of [
      'rm -rf /var/lib /var/cache',
      'rm -rf /var/lib/apt',
      'rm -rf /var/lib/apt/*',
      'rm -Rf /var/*',
    ])
      expect(
        found(
          {
            dockerfile: lines(
              'FROM ubuntu:24.04',
              'RUN set -ex; \\',
              '    apt-get -qq update; \\',
              '    apt-get -qqy --no-install-recommends install ca-certificates fontconfig; \\',
              '    apt-get clean; \\',
              `    ${removal}; \\`,
              '    mkdir -p /opt/app',
            ),
          },
          'HARD-DOCKERFILE-004',
        ),
      ).toEqual([]);
    expect(
      found({ dockerfile: lines('FROM debian:12', `RUN ${install} && rm -f /var/lib/apt`) }, 'HARD-DOCKERFILE-004'),
    ).toEqual([['warning', 2]]);
  });

  it('names what the file runs: apt update, not apt-get update', () => {
    const [finding] = of(
      {
        dockerfile: lines(
          'FROM debian:trixie-slim',
          'RUN apt update && apt install pigz zstd -y --no-install-recommends',
        ),
      },
      'HARD-DOCKERFILE-004',
    );
    expect(finding.message).toMatch(/^apt update without /);
  });
});

describe('HARD-DOCKERFILE-002: a reference written by an ARG default is judged on the ARG line, once', () => {
  it('ARG BASE_IMAGE=…:floating then FROM $BASE_IMAGE: the finding is on the ARG line, naming the FROM', () => {
    const dockerfile = lines(
      'ARG BASE_IMAGE=acme/proxy-full:certbot-node', // 1
      'FROM acme/testca AS testca', // 2
      'FROM $BASE_IMAGE', // 3
      'COPY --from=testca /ca.pem /ca.pem', // 4
    );
    const findings = of({ dockerfile }, 'HARD-DOCKERFILE-002');
    expect(findings.map((entry) => [entry.severity, entry.location?.line])).toEqual([
      ['warning', 1],
      ['warning', 2],
    ]);
    expect(findings[0].message).toBe(
      'ARG BASE_IMAGE=acme/proxy-full:certbot-node uses :certbot-node, a floating tag (it names a channel or variant, not a version) — used by FROM on line 3',
    );
  });

  it('one ARG used by two FROM lines is one finding, on the ARG', () => {
    const dockerfile = lines(
      '# the dev image', // 1
      'ARG from_tag=acme/base:slim', // 2
      'FROM acme/mailer:v1.30.6@sha256:' + 'b'.repeat(64) + ' AS mailer', // 3
      'FROM $from_tag AS repo-fetcher', // 4
      'RUN git clone https://example.org/app.git /repo', // 5
      'FROM $from_tag', // 6
      'COPY --from=repo-fetcher /repo /repo', // 7
      'COPY --from=mailer /mailer /usr/local/bin/mailer', // 8
    );
    const findings = of({ dockerfile }, 'HARD-DOCKERFILE-002');
    expect(findings.map((entry) => [entry.severity, entry.location?.line])).toEqual([['warning', 2]]);
    expect(findings[0].message).toContain('— used by FROM on lines 4 and 6');
  });

  it('an ARG that writes the tag, or the tag of another ARG, is where the version changes', () => {
    const tag = of(
      {
        dockerfile: lines(
          'ARG NODE_TAG="22-alpine"',
          'FROM node:${NODE_TAG} AS deps',
          'FROM node:${NODE_TAG}',
          'COPY --from=deps /app/node_modules /app/node_modules',
        ),
      },
      'HARD-DOCKERFILE-002',
    );
    expect(tag.map((entry) => [entry.severity, entry.location?.line, entry.message])).toEqual([
      [
        'notice',
        1,
        'ARG NODE_TAG=22-alpine names a major version only: the tag moves to each new release of it; name the full version (and a digest) — used by FROM node:22-alpine on lines 2 and 3',
      ],
    ]);
    expect(
      found(
        { dockerfile: lines('ARG VERSION=latest', 'ARG FROM=acme/workers:$VERSION', 'FROM $FROM') },
        'HARD-DOCKERFILE-002',
      ),
    ).toEqual([['warning', 1]]);
    // A tag that writes its version itself (`14-…`) is judged on the FROM line.
    expect(
      found(
        { dockerfile: lines('ARG DEBIAN_VERSION=trixie', 'FROM postgres:14-${DEBIAN_VERSION}') },
        'HARD-DOCKERFILE-002',
      ),
    ).toEqual([['notice', 2]]);
  });

  it('a value a build argument gives is not written on the ARG line: the FROM line keeps it', () => {
    expect(
      found(
        { dockerfile: lines('ARG BASE=acme/base:1.2.3', 'FROM $BASE'), buildArgs: { BASE: 'acme/base:latest' } },
        'HARD-DOCKERFILE-002',
      ),
    ).toEqual([['warning', 2]]);
  });
});

describe('labels read as Docker reads them, with the OCI keys that mean the same', () => {
  const labels = (...label: string[]) =>
    analyse({ dockerfile: lines('FROM debian:12', ...label) }).find((entry) => entry.id === 'HARD-LABELS-003')!;

  it('the legacy one-pair form names its key by the first word', () => {
    expect(
      labels('LABEL maintainer "Ops <ops@example.org>"', 'LABEL version=1.2.0 security.non-root=true').status,
    ).toBe('pass');
    expect(
      labels('LABEL maintainer = "Ops <ops@example.org>"', 'LABEL version=1.2.0 security.non-root=true').status,
    ).toBe('pass');
    expect(labels('LABEL maintainer "Ops"').message).toBe('missing: version, security.non-root');
  });

  it('org.opencontainers.image.authors and .version count; an empty value does not', () => {
    const oci = labels(
      'ARG VERSION=1.4.2',
      'LABEL org.opencontainers.image.authors="Ops" \\',
      '      "org.opencontainers.image.version"="${VERSION}" \\',
      '      security.non-root="true"',
    );
    expect(oci).toMatchObject({
      status: 'pass',
      message:
        'sets maintainer (as org.opencontainers.image.authors), version (as org.opencontainers.image.version), security.non-root',
    });
    expect(
      labels(
        'LABEL org.opencontainers.image.authors="Ops" org.opencontainers.image.version="" security.non-root="true"',
      ),
    ).toMatchObject({ status: 'fail', message: 'missing: version' });
    expect(labels('ARG VERSION=""', 'LABEL maintainer=Ops version=$VERSION security.non-root=true')).toMatchObject({
      status: 'fail',
      message: 'missing: version',
    });
    // A build argument without a default gives it at build time.
    expect(labels('ARG VERSION', 'LABEL maintainer=Ops version=$VERSION security.non-root=true').status).toBe('pass');
  });

  it('measured on the image: the OCI keys count there too (HARD-LABELS-001)', () => {
    const evidence = copy(recorded('hardened').evidence);
    if (evidence.image.state !== 'collected') throw new Error('recorded image evidence expected');
    evidence.image.value.labels = {
      'org.opencontainers.image.authors': 'Ops',
      'org.opencontainers.image.version': '1.4.2',
      'security.non-root': 'true',
    };
    expect(result(judge(evidence, {}, [checkRequiredLabels]), 'HARD-LABELS-001')).toMatchObject({ status: 'pass' });
    evidence.image.value.labels['org.opencontainers.image.version'] = ' ';
    expect(result(judge(evidence, {}, [checkRequiredLabels]), 'HARD-LABELS-001')).toMatchObject({
      status: 'fail',
      message: 'missing: version',
    });
  });
});

describe('HARD-USER-004: privileges dropped only where the container is seen to drop them', () => {
  const entrypointScript = (body: string): string => lines('#!/usr/bin/env bash', 'set -Eeo pipefail', body, '');
  const postgresLike = lines(
    'FROM debian:bookworm-slim', // 1
    'RUN set -eux; \\', // 2
    '  apt-get update; apt-get install -y --no-install-recommends ca-certificates wget gnupg; \\',
    '  wget -O /usr/local/bin/gosu "https://example.org/gosu-amd64"; \\',
    '  wget -O /usr/local/bin/gosu.asc "https://example.org/gosu-amd64.asc"; \\',
    '  gpg --batch --verify /usr/local/bin/gosu.asc /usr/local/bin/gosu; \\',
    '  chmod +x /usr/local/bin/gosu; gosu nobody true; \\',
    '  rm -rf /var/lib/apt/lists/*',
    'COPY docker-entrypoint.sh /usr/local/bin/', // 9
    'ENTRYPOINT ["docker-entrypoint.sh"]', // 10
    'CMD ["postgres"]', // 11
  );

  it('gosu run by a RUN (initdb, a smoke test) says nothing of how the container starts: the usual finding', () => {
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN apt-get update && apt-get install -y --no-install-recommends gosu && rm -rf /var/lib/apt/lists/*',
            'RUN gosu postgres initdb --locale=C',
            'CMD ["postgres"]',
          ),
        },
        'HARD-USER-004',
      ),
    ).toEqual([['error', 1]]);
    // Over a base the Dockerfile cannot see into, the usual warning, not a drop.
    const [vendor] = of(
      { dockerfile: lines('FROM acme/workers:2.1', 'RUN gosu postgres initdb', 'ENTRYPOINT ["/start.sh"]') },
      'HARD-USER-004',
    );
    expect(vendor.message).toContain('root unless that image sets one');
  });

  it("the image's own command running gosu, su-exec, setpriv… is a drop", () => {
    const [finding] = of(
      { dockerfile: lines('FROM node:22.11-slim', 'CMD ["gosu", "node", "node", "server.js"]') },
      'HARD-USER-004',
    );
    expect(finding).toMatchObject({ severity: 'warning' });
    expect(finding.message).toContain('its command runs gosu');
  });

  it('the entrypoint script read from the build context decides: it runs gosu, or it does not', async () => {
    const drops = await analyseOnDisk(
      {
        Dockerfile: postgresLike,
        'docker-entrypoint.sh': entrypointScript(
          lines(
            'if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then',
            '  exec gosu postgres "$BASH_SOURCE" "$@"',
            'fi',
            'exec "$@"',
          ),
        ),
      },
      'HARD-USER-004',
    );
    expect(drops.map((entry) => [entry.severity, entry.location?.line])).toEqual([['warning', 1]]);
    expect(drops[0].message).toContain(
      "its entrypoint docker-entrypoint.sh (copied from the build context's docker-entrypoint.sh by the COPY on line 9) runs gosu on its line 4",
    );
    const stays = await analyseOnDisk(
      { Dockerfile: postgresLike, 'docker-entrypoint.sh': entrypointScript('exec "$@"') },
      'HARD-USER-004',
    );
    expect(stays.map((entry) => [entry.severity, entry.location?.line])).toEqual([['error', 1]]);
  });

  it('where the script cannot be read and the build installs gosu, it may drop: a warning that says so', () => {
    const [finding] = of({ dockerfile: postgresLike }, 'HARD-USER-004');
    expect(finding.severity).toBe('warning');
    expect(finding.message).toContain(
      'it installs gosu, which its entrypoint docker-entrypoint.sh (copied from the build context by the COPY on line 9) may use to drop privileges: the script could not be read here',
    );
  });

  it('knows the drops by their options', () => {
    expect(privilegeDrop(['exec', 'su-exec', 'app', 'node', 'x'])).toBe('su-exec');
    expect(privilegeDrop(['tini', '-g', '--', 'gosu', 'app', 'x'])).toBe('gosu');
    expect(privilegeDrop(['setpriv', '--reuid=1000', '--regid=1000', '--init-groups', 'x'])).toBe('setpriv');
    expect(privilegeDrop(['setpriv', '--dump'])).toBeNull();
    expect(privilegeDrop(['chroot', '--userspec=app:app', '/', 'x'])).toBe('chroot --userspec');
    expect(privilegeDrop(['chroot', '/srv'])).toBeNull();
    expect(privilegeDrop(['s6-setuidgid', 'app', 'x'])).toBe('s6-setuidgid');
  });
});

describe('HARD-INIT-004: what PID 1 becomes, read from the entrypoint script where it can be', () => {
  const zulipLike = lines(
    'FROM ubuntu:24.04', // 1
    'RUN apt-get update && apt-get install -y --no-install-recommends supervisor && rm -rf /var/lib/apt/lists/*',
    'COPY entrypoint.sh /sbin/entrypoint.sh', // 3
    'ENTRYPOINT ["/sbin/entrypoint.sh"]', // 4
    'CMD ["app:run"]', // 5
  );
  const script = (...body: string[]): string => lines('#!/bin/bash', 'set -e', ...body, '');

  it('a script that execs an init makes it PID 1', async () => {
    const results = await analyseOnDisk(
      {
        Dockerfile: zulipLike,
        'entrypoint.sh': script(
          'appRun() {',
          '  configure',
          '  echo "starting"',
          '  exec supervisord -n -c /etc/supervisor/supervisord.conf',
          '}',
          'appRun',
        ),
      },
      'HARD-INIT-004',
    );
    expect(results).toEqual([]);
  });

  it('a script that execs the app, or nothing, leaves no init as PID 1', async () => {
    const app = await analyseOnDisk(
      { Dockerfile: zulipLike, 'entrypoint.sh': script('configure', 'exec node /app/server.js') },
      'HARD-INIT-004',
    );
    expect(app.map((entry) => [entry.severity, entry.location?.line])).toEqual([['warning', 4]]);
    expect(app[0].message).toContain('execs node (line 4), not an init');
    const none = await analyseOnDisk(
      { Dockerfile: zulipLike, 'entrypoint.sh': script('configure', 'supervisord -n') },
      'HARD-INIT-004',
    );
    expect(none[0].message).toContain('stays PID 1, as the script execs nothing');
  });

  it('exec "$@" hands over to the arguments: CMD decides', async () => {
    const tini = lines(
      'FROM debian:12',
      'COPY docker-entrypoint.sh /usr/local/bin/',
      'ENTRYPOINT ["docker-entrypoint.sh"]',
      'CMD ["tini", "--", "app"]',
    );
    expect(
      await analyseOnDisk({ Dockerfile: tini, 'docker-entrypoint.sh': script('exec "$@"') }, 'HARD-INIT-004'),
    ).toEqual([]);
  });

  it('execs that depend on the arguments, or a script that cannot be read: a notice', async () => {
    const branches = await analyseOnDisk(
      {
        Dockerfile: zulipLike,
        'entrypoint.sh': script(
          'case "$1" in',
          '  app:run) exec supervisord -n ;;',
          '  app:managepy) shift; exec su app -c "manage.py $*" ;;',
          '  *) exec "$@" ;;',
          'esac',
        ),
      },
      'HARD-INIT-004',
    );
    expect(branches.map((entry) => entry.severity)).toEqual(['notice']);
    const [unread] = of({ dockerfile: zulipLike }, 'HARD-INIT-004');
    expect(unread).toMatchObject({ severity: 'notice' });
    expect(unread.message).toBe(
      'PID 1 starts as `/sbin/entrypoint.sh app:run`; what it becomes is up to the script /sbin/entrypoint.sh (copied from the build context by the COPY on line 3), which could not be read here; a full run measures PID 1 (HARD-INIT-001)',
    );
  });

  it('a script found through WORKDIR, a directory copied whole, or a shell given its name', async () => {
    const whole = lines(
      'FROM debian:12-slim', // 1
      'WORKDIR /var/www/App', // 2
      'COPY . /var/www/App', // 3
      'ENTRYPOINT ["./Docker/entrypoint.sh"]', // 4
      'CMD ["apache2ctl", "-D", "FOREGROUND"]', // 5
    );
    const read = await analyseOnDisk(
      { Dockerfile: whole, 'Docker/entrypoint.sh': script('./configure.sh', 'exec "$@"') },
      'HARD-INIT-004',
    );
    expect(read.map((entry) => [entry.severity, entry.location?.line])).toEqual([['warning', 4]]);
    expect(read[0].message).toContain(
      "copied from the build context's Docker/entrypoint.sh by the COPY on line 3) execs apache2ctl",
    );
    // The checkout lacks the script: the directory copy brings it all the same, unread.
    const unread = await analyseOnDisk({ Dockerfile: whole, 'index.php': '<?php' }, 'HARD-INIT-004');
    expect(unread.map((entry) => entry.severity)).toEqual(['notice']);
    const bundle = lines(
      'FROM ubuntu:24.04', // 1
      'ARG BUNDLE_PATH="./bundle-backend/"', // 2
      'COPY $BUNDLE_PATH /opt/app/backend/', // 3
      'WORKDIR /opt/app/backend', // 4
      'CMD ["/bin/bash", "run.sh"]', // 5
    );
    const java = await analyseOnDisk(
      {
        Dockerfile: bundle,
        'bundle-backend/run.sh': lines('export JAVA_OPTS="-Xmx1g"', 'exec java $JAVA_OPTS -jar app.jar'),
      },
      'HARD-INIT-004',
    );
    expect(java.map((entry) => [entry.severity, entry.location?.line])).toEqual([['warning', 5]]);
    expect(java[0].message).toContain('execs java (line 2), not an init');
  });

  it('a script a RUN links into place, or another stage makes, is not read: a notice', () => {
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12 AS build',
            'COPY docker/entrypoint.sh /out/entrypoint.sh',
            'FROM debian:12',
            'COPY --from=build /out/entrypoint.sh /usr/local/bin/entrypoint.sh',
            'ENTRYPOINT ["entrypoint.sh"]',
            'CMD ["app"]',
          ),
        },
        'HARD-INIT-004',
      ),
    ).toEqual([['notice', 5]]);
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN ln -sf /src/portable/build.sh /build.sh',
            'VOLUME /src',
            'ENTRYPOINT ["/build.sh"]',
          ),
        },
        'HARD-INIT-004',
      ),
    ).toEqual([['notice', 4]]);
  });

  it('only CMD over a base whose ENTRYPOINT may run it is a notice; over a base known to set none, CMD is PID 1', () => {
    expect(found({ dockerfile: lines('FROM node:16', 'CMD ["sleep", "infinity"]') }, 'HARD-INIT-004')).toEqual([
      ['notice', 2],
    ]);
    expect(found({ dockerfile: lines('FROM acme/runtime:3.2', 'CMD ["node", "app.js"]') }, 'HARD-INIT-004')).toEqual([
      ['notice', 2],
    ]);
    expect(found({ dockerfile: lines('FROM ubuntu:24.04', 'CMD ["node", "app.js"]') }, 'HARD-INIT-004')).toEqual([
      ['warning', 2],
    ]);
    // `ENTRYPOINT []` clears the base's: CMD is PID 1.
    expect(
      found({ dockerfile: lines('FROM node:22.11', 'ENTRYPOINT []', 'CMD ["node", "app.js"]') }, 'HARD-INIT-004'),
    ).toEqual([['warning', 3]]);
    expect(baseSetsNoEntrypoint('docker.io/library/python:3.13-slim')).toBe(true);
    expect(baseSetsNoEntrypoint('gcr.io/distroless/base-debian13:nonroot')).toBe(true);
    expect(baseSetsNoEntrypoint('node:22-alpine')).toBe(false);
    expect(baseSetsNoEntrypoint('postgres:16')).toBe(false);
  });
});

describe('HARD-SECRETS-003: a stand-in is no credential', () => {
  it('a build stand-in URL in a builder stage passes; a real-looking one does not', () => {
    const builder = (value: string) =>
      lines(
        'FROM node:22.11-alpine AS builder',
        `ENV DATABASE_URL="${value}"`,
        'RUN npm run build',
        'FROM node:22.11-alpine',
        'COPY --from=builder /app/.next /app/.next',
      );
    expect(found({ dockerfile: builder('postgresql://user:pass@localhost:5432/dummy') }, 'HARD-SECRETS-003')).toEqual(
      [],
    );
    expect(
      found({ dockerfile: builder('postgresql://app:Zq8vN2kLp4@db.internal:5432/app') }, 'HARD-SECRETS-003'),
    ).toEqual([['warning', 2]]);
    expect(
      found(
        { dockerfile: lines('FROM python:3.12-slim', 'ENV DATABASE_URL=postgres://app:Zq8vN2kLp4@db.internal/app') },
        'HARD-SECRETS-003',
      ),
    ).toEqual([['error', 2]]);
    expect(
      found({ dockerfile: lines('FROM python:3.12-slim', 'ENV SECRET_KEY=changeme') }, 'HARD-SECRETS-003'),
    ).toEqual([]);
  });

  it('judges a URL whole: two signs of a stand-in, or a placeholder password', () => {
    expect(standInUrl('postgresql://user:pass@localhost:5432/dummy')).toBe(true);
    expect(standInUrl('mysql://user:password@127.0.0.1/app')).toBe(true);
    expect(standInUrl('postgres://app:Zq8vN2kLp4@localhost/example')).toBe(true);
    expect(standInUrl('redis://:changeme@cache:6379/0')).toBe(true);
    expect(standInUrl('postgres://app:Zq8vN2kLp4@localhost/app')).toBe(false);
    expect(standInUrl('postgres://user:pass@db.internal/app')).toBe(false);
    expect(standInUrl('no url here')).toBe(false);
  });
});

describe('HARD-TOOLS-004: devDependencies only where the manifest the install reads has some', () => {
  const cypressLike = lines(
    'FROM cypress/included:15.15.0', // 1
    'COPY --chown=1000 ./test /test', // 2
    'WORKDIR /test', // 3
    'RUN yarn install && yarn cache clean', // 4
    'ENTRYPOINT []', // 5
    'CMD ["cypress", "run"]', // 6
  );

  it('a manifest without devDependencies: nothing to ship', async () => {
    expect(
      await analyseOnDisk(
        {
          Dockerfile: cypressLike,
          'test/package.json': JSON.stringify({ name: 'e2e', dependencies: { cypress: '^15.0.0' } }),
        },
        'HARD-TOOLS-004',
      ),
    ).toEqual([]);
  });

  it('a manifest with devDependencies: they ship, named', async () => {
    const results = await analyseOnDisk(
      {
        Dockerfile: cypressLike,
        'test/package.json': JSON.stringify({ name: 'e2e', devDependencies: { eslint: '^9', prettier: '^3' } }),
      },
      'HARD-TOOLS-004',
    );
    expect(results.map((entry) => [entry.severity, entry.location?.line, entry.message])).toEqual([
      [
        'warning',
        4,
        '`yarn install` installs the 2 devDependencies of test/package.json (eslint, prettier) too (no --omit=dev or --production, NODE_ENV is not production, nothing prunes them after): they ship',
      ],
    ]);
  });

  it('a manifest with workspaces and no devDependencies of its own: a notice', async () => {
    const [finding] = await analyseOnDisk(
      {
        Dockerfile: cypressLike,
        'test/package.json': JSON.stringify({ name: 'e2e', private: true, workspaces: ['packages/*'] }),
      },
      'HARD-TOOLS-004',
    );
    expect(finding.severity).toBe('notice');
    expect(finding.message).toContain(
      'test/package.json declares workspaces, whose own devDependencies it does not list',
    );
  });

  it('a manifest that cannot be read: a notice that says so', () => {
    const [finding] = of({ dockerfile: cypressLike }, 'HARD-TOOLS-004');
    expect(finding.severity).toBe('notice');
    expect(finding.message).toContain('installs devDependencies if the manifest has any');
  });

  it('reads a package.json into its devDependencies and workspaces', () => {
    expect(manifestFacts('{"devDependencies":{"jest":"^29"},"workspaces":["packages/*"]}')).toEqual({
      devDependencies: ['jest'],
      workspaces: true,
    });
    expect(manifestFacts('not json')).toBeNull();
  });
});

describe('HARD-DOCKERFILE-007 honours # hadolint ignore=DL3005', () => {
  it('a dist-upgrade under the ignore is skipped; without it, found', () => {
    const upgrade = 'RUN apt-get -q update && apt-get -q dist-upgrade -y && rm -rf /var/lib/apt/lists/*';
    expect(found({ dockerfile: lines('FROM ubuntu:24.04', upgrade) }, 'HARD-DOCKERFILE-007')).toEqual([['warning', 2]]);
    const ignored = analyse({
      dockerfile: lines('FROM ubuntu:24.04', '# hadolint ignore=DL3005,DL3008,DL3009', upgrade),
    }).find((entry) => entry.id === 'HARD-DOCKERFILE-007')!;
    expect(ignored.status).toBe('skip');
    expect(ignored.message).toMatch(/^ignored on line 2 \(hadolint ignore\)/);
  });
});

describe('HARD-DOCKERFILE-017: archives and packages installed as fetched', () => {
  it('pip install of an archive URL without a hash', () => {
    expect(
      found(
        {
          dockerfile: lines(
            'FROM python:3.12-slim',
            'RUN pip3 install --upgrade https://github.com/example/tools/archive/master.zip',
          ),
        },
        'HARD-DOCKERFILE-017',
      ),
    ).toEqual([['warning', 2]]);
    for (const pinned of [
      'pip install --require-hashes -r requirements.txt https://example.org/tools-1.0.tar.gz',
      'pip install "https://example.org/tools-1.0.tar.gz#sha256=' + 'c'.repeat(64) + '"',
      'pip install tools==1.0',
    ])
      expect(found({ dockerfile: lines('FROM python:3.12-slim', `RUN ${pinned}`) }, 'HARD-DOCKERFILE-017')).toEqual([]);
  });

  it('a downloaded .deb installed with dpkg -i or apt install ./file, unchecked', () => {
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN wget https://packages.example.com/config/debian/12/vendor-prod.deb -O vendor-prod.deb \\',
            ' && dpkg -i vendor-prod.deb \\',
            ' && apt-get -f install',
          ),
        },
        'HARD-DOCKERFILE-017',
      ),
    ).toEqual([['warning', 2]]);
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN downloaded_file=tool_1.0_amd64.deb \\',
            ' && curl -sLO https://github.com/example/tool/releases/download/1.0/$downloaded_file \\',
            ' && apt-get install -y ./$downloaded_file \\',
            ' && rm $downloaded_file',
          ),
        },
        'HARD-DOCKERFILE-017',
      ),
    ).toEqual([['warning', 2]]);
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN mkdir /pkgs && cd /pkgs \\',
            ' && curl -LO https://github.com/example/a/releases/download/1/a_1_amd64.deb \\',
            '         -LO https://github.com/example/b/releases/download/1/b_1_amd64.deb \\',
            ' && apt-get install --no-install-recommends -y ./*.deb',
          ),
        },
        'HARD-DOCKERFILE-017',
      ),
    ).toEqual([['warning', 2]]);
    // Checked before it is installed, or installed from the repositories: fine.
    expect(
      found(
        {
          dockerfile: lines(
            'FROM debian:12',
            'RUN wget -O /tmp/tool.deb https://example.org/tool.deb \\',
            ' && echo "' + 'd'.repeat(64) + '  /tmp/tool.deb" | sha256sum -c - \\',
            ' && dpkg -i /tmp/tool.deb',
          ),
        },
        'HARD-DOCKERFILE-017',
      ),
    ).toEqual([]);
  });
});

describe('HARD-DOCKERFILE-003 names every install of a RUN that takes recommends', () => {
  it('the one that pulls in packages is named, not hidden behind apt-get -f install', () => {
    const [finding] = of(
      {
        dockerfile: lines(
          'FROM debian:12',
          'RUN wget https://packages.example.com/vendor-prod.deb -O vendor-prod.deb \\',
          ' && dpkg -i vendor-prod.deb \\',
          ' && apt-get -f install \\',
          ' && apt-get update \\',
          ' && apt-get install -y dotnet-sdk-${DOTNET_VERSION}',
        ),
      },
      'HARD-DOCKERFILE-003',
    );
    expect(finding.location?.line).toBe(2);
    expect(finding.message).toBe(
      '`apt-get install -y dotnet-sdk-${DOTNET_VERSION}` and `apt-get -f install` install recommended packages too',
    );
  });
});

describe('entrypoint scripts read into facts', () => {
  it('what a shell script execs and where it drops root', () => {
    const facts = scriptFacts(
      'docker-entrypoint.sh',
      lines(
        '#!/usr/bin/env bash',
        'set -e',
        'exec >/proc/1/fd/1 2>&1 # redirections only',
        'if [ "$(id -u)" = 0 ]; then',
        '  exec su-exec app "$0" "$@"',
        'fi',
        'exec "$@"',
      ),
    );
    expect(facts).toEqual({
      interpreter: 'bash',
      shell: true,
      execs: [
        { words: ['su-exec', 'app', '$0', '$@'], line: 5 },
        { words: ['$@'], line: 7 },
      ],
      drop: { program: 'su-exec', line: 5 },
    });
  });

  it('a Python start script: not read as shell, but a drop it names is seen', () => {
    const facts = scriptFacts(
      'start.py',
      lines(
        '#!/usr/local/bin/python',
        'import os',
        'args = ["gosu", "991:991", "python", "-m", "app"]',
        'os.execv("/usr/sbin/gosu", args)',
      ),
    );
    expect(facts).toEqual({ interpreter: 'python', shell: false, execs: [], drop: { program: 'gosu', line: 3 } });
  });
});
