import { failedLines, analyse } from '../helpers/static.js';

// Every Dockerfile rule with a failing and a passing snippet; the line a finding reports is the
// line a reviewer must change.

const lines = (...text: string[]): string => text.join('\n');
const fails = (dockerfile: string, id: string) => failedLines(analyse({ dockerfile }), id);

describe.each([
  {
    id: 'HARD-DOCKERFILE-001',
    bad: lines('FROM python:3.11-slim', 'RUN pip install app'),
    badLines: [1],
    good: lines(
      'FROM python:3.11-slim AS build',
      'RUN pip wheel .',
      'FROM python:3.11-slim',
      'COPY --from=build /w /w',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-002',
    bad: lines('FROM python AS tools', 'FROM node:latest AS web', 'COPY --from=tools /x /x', 'FROM web'),
    badLines: [1, 2],
    good: lines('FROM python:3.11-slim@sha256:' + 'a'.repeat(64), 'FROM scratch'),
  },
  {
    id: 'HARD-USER-004',
    bad: lines('FROM debian:12 AS base', 'USER app', 'FROM base', 'RUN id', 'USER 0:0'),
    badLines: [5],
    good: lines('FROM debian:12 AS base', 'USER root', 'FROM base', 'RUN useradd -u 10001 app', 'USER app'),
  },
  {
    id: 'HARD-USER-004',
    bad: lines('FROM debian:12', 'ARG RUN_AS=root', 'USER ${RUN_AS}'),
    badLines: [3],
    good: lines('FROM debian:12 AS base', 'USER 10001', 'FROM base', 'RUN true'), // inherited from the stage it is FROM
  },
  {
    id: 'HARD-HEALTH-006',
    bad: lines('FROM python:3.11-slim', 'HEALTHCHECK CMD python -c "import sys; sys.exit(0)"'),
    badLines: [2],
    good: lines('FROM python:3.11-slim', 'HEALTHCHECK --interval=30s CMD ["python", "-m", "app.healthcheck"]'),
  },
  {
    id: 'HARD-HEALTH-006',
    bad: lines('FROM nginx:1.27', 'HEALTHCHECK CMD curl -f http://localhost/ || exit 0'),
    badLines: [2],
    good: lines('FROM nginx:1.27', 'HEALTHCHECK CMD curl -f http://localhost/ || exit 1'),
  },
  {
    id: 'HARD-INIT-003',
    bad: lines('FROM python:3.11-slim', 'ENTRYPOINT ["tini", "--"]', 'CMD python -m app'),
    badLines: [3],
    good: lines('FROM python:3.11-slim', 'ENTRYPOINT ["tini", "--"]', 'CMD ["python", "-m", "app"]'),
  },
  {
    id: 'HARD-INIT-004',
    bad: lines('FROM python:3.11-slim', 'CMD ["python", "-m", "app"]'),
    badLines: [2],
    good: lines('FROM python:3.11-slim', 'ENTRYPOINT ["/usr/bin/dumb-init", "--"]', 'CMD ["python", "-m", "app"]'),
  },
  {
    id: 'HARD-LABELS-003',
    bad: lines('FROM python:3.11-slim', 'LABEL maintainer="team" version="1"'),
    badLines: [2],
    good: lines('FROM python:3.11-slim', 'LABEL maintainer="team" \\', '      version="1" security.non-root="true"'),
  },
  {
    id: 'HARD-TOOLS-002',
    bad: lines(
      'FROM debian:12 AS build',
      'RUN apt-get install -y gcc',
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y --no-install-recommends build-essential curl',
    ),
    badLines: [4],
    good: lines('FROM debian:12', 'RUN apt-get update && apt-get install -y gcc && make && apt-get purge -y gcc'),
  },
  {
    id: 'HARD-CACHE-003',
    bad: lines('FROM node:22', 'WORKDIR /app', 'COPY . .', 'RUN npm ci'),
    badLines: [3],
    good: lines('FROM node:22', 'WORKDIR /app', 'COPY package.json package-lock.json ./', 'RUN npm ci', 'COPY . .'),
  },
  {
    id: 'HARD-SECRETS-003',
    bad: lines('FROM node:22', 'ARG NPM_TOKEN', 'ENV DB_PASSWORD=hunter2hunter2 LOG_LEVEL=info'),
    badLines: [2, 3],
    good: lines('FROM node:22', 'ARG NODE_VERSION=22', 'ENV DB_PASSWORD_FILE=/run/secrets/db LOG_LEVEL=info'),
  },
  {
    id: 'HARD-DOCKERFILE-003',
    bad: lines('FROM debian:12', 'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*'),
    badLines: [2],
    good: lines(
      'FROM debian:12',
      'RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-004',
    bad: lines(
      'FROM debian:12',
      'RUN apt-get update \\',
      '    && apt-get install -y --no-install-recommends curl',
      'RUN rm -rf /var/lib/apt/lists/*',
    ),
    badLines: [2],
    good: lines(
      'FROM debian:12',
      'RUN apt-get update \\',
      '    # comment inside the continuation',
      '    && apt-get install -y --no-install-recommends curl \\',
      '    && rm -rf /var/lib/apt/lists/*',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-005',
    bad: lines('FROM debian:12', 'RUN apt-get update', 'RUN apt-get install -y --no-install-recommends curl'),
    badLines: [2],
    good: lines('FROM debian:12', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'),
  },
  {
    id: 'HARD-DOCKERFILE-006',
    bad: lines('FROM debian:12', 'RUN apt-get update && apt-get install --no-install-recommends curl'),
    badLines: [2],
    good: lines('FROM debian:12', 'RUN apt-get update && apt-get -qq install --no-install-recommends curl'),
  },
  {
    id: 'HARD-DOCKERFILE-007',
    bad: lines('FROM debian:12', 'RUN apt-get update && apt-get dist-upgrade -y'),
    badLines: [2],
    good: lines('FROM debian:12', 'RUN apt-get update && apt-get install -y --no-install-recommends curl'),
  },
  {
    id: 'HARD-DOCKERFILE-008',
    bad: lines('FROM python:3.11-slim', 'RUN python -m pip install -r requirements.txt'),
    badLines: [2],
    good: lines(
      'FROM python:3.11-slim',
      'RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-009',
    bad: lines('FROM alpine:3.20', 'RUN apk add curl'),
    badLines: [2],
    good: lines('FROM alpine:3.20', 'RUN apk add --no-cache curl'),
  },
  {
    id: 'HARD-DOCKERFILE-010',
    bad: lines('FROM alpine:3.20', 'ADD app/ /app/'),
    badLines: [2],
    good: lines('FROM alpine:3.20', 'ADD rootfs.tar.gz /', 'ADD https://example.com/app.tgz /tmp/', 'COPY app/ /app/'),
  },
  {
    id: 'HARD-DOCKERFILE-011',
    bad: lines('FROM debian:12', 'USER app', 'RUN sudo apt-get install -y curl'),
    badLines: [3],
    good: lines('FROM debian:12', 'RUN apt-get install -y curl'),
  },
  {
    id: 'HARD-DOCKERFILE-012',
    bad: lines('FROM debian:12', 'WORKDIR app'),
    badLines: [2],
    good: lines('FROM debian:12', 'WORKDIR /app', 'WORKDIR $HOME/data'),
  },
  {
    id: 'HARD-DOCKERFILE-013',
    bad: lines('FROM debian:12', 'WORKDIR /app', 'COPY . .', 'RUN chown -R app:app /app'),
    badLines: [4],
    good: lines('FROM debian:12', 'WORKDIR /app', 'COPY --chown=app:app . .', 'RUN mkdir logs && chown app logs'),
  },
  {
    id: 'HARD-DOCKERFILE-014',
    bad: lines('FROM debian:12', 'RUN curl -fsSL https://example.com/x.tgz | tar -xz'),
    badLines: [2],
    good: lines(
      'FROM debian:12',
      'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
      'RUN curl -fsSL https://example.com/x.tgz | tar -xz',
      'RUN test -f a || exit 1',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-015',
    bad: lines('FROM debian:12', 'EXPOSE 8080 22/tcp'),
    badLines: [2],
    good: lines('FROM debian:12', 'EXPOSE 8080 2222'),
  },
  {
    id: 'HARD-DOCKERFILE-016',
    bad: lines('FROM debian:12', 'RUN mkdir -p /usr/local/app && chmod -R 777 /usr/local/app'),
    badLines: [2],
    good: lines(
      'FROM debian:12',
      'RUN mkdir -p /tmp/cache && chmod 1777 /tmp/cache',
      'RUN chmod 755 /usr/local/bin/entrypoint.sh && chmod -R g+w /var/www',
    ),
  },
  {
    id: 'HARD-DOCKERFILE-017',
    bad: lines('FROM debian:12', 'RUN curl -fsSL https://example.com/install.sh | sh -s -- -y'),
    badLines: [2],
    good: lines(
      'FROM debian:12',
      'ADD --checksum=sha256:' + 'b'.repeat(64) + ' https://example.com/tool.tgz /tmp/',
      'RUN curl -fsSLo /usr/local/bin/tool https://example.com/tool \\',
      '    && echo "' + 'c'.repeat(64) + '  /usr/local/bin/tool" | sha256sum -c - \\',
      '    && chmod +x /usr/local/bin/tool',
    ),
  },
  {
    id: 'HARD-TOOLS-004',
    bad: lines('FROM node:22.11', 'WORKDIR /app', 'COPY . .', 'RUN npm ci', 'CMD ["npm", "run", "dev"]'),
    badLines: [4, 5],
    good: lines(
      'FROM node:22.11',
      'WORKDIR /app',
      'COPY package.json package-lock.json ./',
      'RUN npm ci --omit=dev',
      'COPY . .',
      'CMD ["node", "server.js"]',
    ),
  },
])('$id', ({ id, bad, badLines, good }) => {
  it(`fails on lines ${badLines.join(', ')}`, () => {
    expect(fails(bad, id)).toEqual(badLines);
  });
  it('passes the fixed file', () => {
    expect(fails(good, id)).toEqual([]);
  });
});

describe('pinned base images', () => {
  it('recommends a digest for a tag, at notice level', () => {
    const results = analyse({ dockerfile: 'FROM python:3.11-slim' }).filter(
      (result) => result.id === 'HARD-DOCKERFILE-002',
    );
    expect(results).toEqual([
      expect.objectContaining({ status: 'fail', severity: 'notice', location: { file: 'Dockerfile', line: 1 } }),
    ]);
  });

  it('resolves ARG defaults in FROM, and leaves an unresolvable base unjudged', () => {
    // Judged where the value is written: the ARG's line.
    expect(fails(lines('ARG BASE=python:latest', 'FROM ${BASE}'), 'HARD-DOCKERFILE-002')).toEqual([1]);
    expect(
      analyse({ dockerfile: lines('ARG BASE', 'FROM ${BASE}') }).find((result) => result.id === 'HARD-DOCKERFILE-002')
        ?.status,
    ).toBe('skip');
  });
});

describe('heredocs', () => {
  it('read the commands inside a RUN heredoc', () => {
    const dockerfile = lines(
      'FROM debian:12',
      'RUN <<EOT',
      'set -e',
      'apt-get update',
      'apt-get install -y curl',
      'EOT',
    );
    expect(fails(dockerfile, 'HARD-DOCKERFILE-003')).toEqual([2]);
    expect(fails(dockerfile, 'HARD-DOCKERFILE-004')).toEqual([2]);
  });
});

describe('inline ignores', () => {
  const base = (comment: string): string =>
    lines('FROM debian:12', comment, 'RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*');

  it('skip a finding with a reason given on the line above', () => {
    const result = analyse({
      dockerfile: base('# hardening-ignore=HARD-DOCKERFILE-003 the recommends are needed for TLS'),
    }).find((entry) => entry.id === 'HARD-DOCKERFILE-003');
    expect(result).toMatchObject({
      status: 'skip',
      message:
        'ignored on line 2 (the recommends are needed for TLS): `apt-get install -y curl` installs recommended packages too',
    });
  });

  it('do not apply without a reason, and say so', () => {
    const result = analyse({ dockerfile: base('# hardening-ignore=HARD-DOCKERFILE-003') }).find(
      (entry) => entry.id === 'HARD-DOCKERFILE-003',
    );
    expect(result).toMatchObject({ status: 'fail' });
    expect(result?.message).toContain('(the ignore on line 2 gives no reason, so it does not apply)');
  });

  it("honour hadolint's codes for the rules that mean the same", () => {
    const results = analyse({ dockerfile: base('# hadolint ignore=DL3015,DL3008') });
    expect(results.find((entry) => entry.id === 'HARD-DOCKERFILE-003')?.status).toBe('skip');
  });

  it('apply to the instruction right below only', () => {
    const dockerfile = lines(
      'FROM debian:12',
      '# hardening-ignore=HARD-DOCKERFILE-003 reason',
      '',
      'RUN apt-get install -y curl',
    );
    expect(fails(dockerfile, 'HARD-DOCKERFILE-003')).toEqual([4]);
  });
});

describe('the bundled examples, static', () => {
  it('legacy: findings on the lines to change', async () => {
    const { readFileSync } = await import('node:fs');
    const results = analyse({ dockerfile: readFileSync('examples/legacy/Dockerfile', 'utf8') });
    const failed = (id: string) => failedLines(results, id);
    expect([
      failed('HARD-USER-004'),
      failed('HARD-HEALTH-006'),
      failed('HARD-INIT-003'),
      failed('HARD-TOOLS-002'),
      failed('HARD-CACHE-003'),
      failed('HARD-DOCKERFILE-005'),
      failed('HARD-DOCKERFILE-008'),
    ]).toEqual([[4], [11], [12], [6], [8], [5], [9]]);
  });

  it('hardened: nothing at error or warning level', async () => {
    const { readFileSync } = await import('node:fs');
    const results = analyse({
      dockerfile: readFileSync('examples/hardened/Dockerfile', 'utf8'),
      compose: readFileSync('examples/hardened/docker-compose.yml', 'utf8'),
    });
    expect(
      results
        .filter((result) => result.status === 'fail' && result.severity !== 'notice')
        .map((result) => `${result.id}: ${result.message}`),
    ).toEqual([]);
  });
});

describe('what real Dockerfiles do that the rules must see', () => {
  it('pins the images COPY --from names, and not the stages it names', () => {
    const dockerfile = lines(
      'FROM golang:1.23 AS build',
      'RUN go build -o /app .',
      'FROM gcr.io/distroless/static-debian12:nonroot',
      'COPY --from=build /app /app',
      'COPY --from=busybox:latest /bin/busybox /busybox',
      'COPY --from=0 /app /app2',
      'ARG TOOLS=ghcr.io/org/tools:stable',
      'COPY --from=${TOOLS} /bin/tool /tool',
    );
    const pins = analyse({ dockerfile }).filter(
      (result) => result.id === 'HARD-DOCKERFILE-002' && result.status === 'fail' && result.severity !== 'notice',
    );
    expect(pins.map((result) => [result.location?.line, result.message])).toEqual([
      [
        3,
        'FROM gcr.io/distroless/static-debian12:nonroot uses :nonroot, a floating tag (it names a channel or variant, not a version)',
      ],
      [5, 'COPY --from=busybox:latest uses latest'],
      [
        8,
        'COPY --from=ghcr.io/org/tools:stable uses :stable, a floating tag (it names a channel or variant, not a version)',
      ],
    ]);
    // Version tags leave only the notice that a digest would pin the exact bytes.
    const pinned = analyse({
      dockerfile: lines(
        'FROM alpine:3.20 AS a',
        'FROM alpine:3.20',
        'COPY --from=busybox:1.36.1 /bin/busybox /b',
        'COPY --from=a /etc/os-release /x',
      ),
    });
    expect(
      pinned
        .filter((result) => result.id === 'HARD-DOCKERFILE-002')
        .map((result) => [result.location?.line, result.severity]),
    ).toEqual([
      [1, 'notice'],
      [2, 'notice'],
      [3, 'notice'],
    ]);
  });

  it('tells a bare COPY --from name that may be a named build context, at notice level', () => {
    const results = analyse({
      dockerfile: lines('FROM debian:12', 'COPY --from=templates /redis.yml /pups/redis.yml'),
    }).filter((result) => result.id === 'HARD-DOCKERFILE-002' && result.location?.line === 2);
    expect(results.map((result) => [result.severity, result.message])).toEqual([
      [
        'notice',
        'COPY --from=templates names no stage of this Dockerfile: it is the image templates:latest, unless the build passes a named context `--build-context templates=…`',
      ],
    ]);
  });

  it('fails floating tags in FROM like no tag', () => {
    const floating = lines(
      'FROM node:lts AS web',
      'FROM nginx:mainline AS proxy',
      'COPY --from=web /app/dist /usr/share/nginx/html',
      'FROM redis:alpine',
      'COPY --from=proxy /etc/nginx /etc/nginx',
    );
    expect(fails(floating, 'HARD-DOCKERFILE-002')).toEqual([1, 2, 4]);
  });

  it('does not pass a multi-stage build whose shipped stage starts FROM the build stage', () => {
    const inherits = lines(
      'FROM node:22.11 AS build',
      'COPY . .',
      'RUN npm ci && npm run build',
      'FROM build',
      'CMD ["node", "dist/server.js"]',
    );
    const multi = analyse({ dockerfile: inherits }).find((result) => result.id === 'HARD-DOCKERFILE-001')!;
    expect(multi).toMatchObject({ status: 'fail', location: { line: 4 } });
    expect(multi.message).toBe(
      'the shipped stage #1 starts FROM build (line 1), which builds: it inherits everything that stage installed and built',
    );
    // A shared clean base the runtime starts from, with the build in a stage of its own, is fine.
    const clean = lines(
      'FROM python:3.11-slim AS base',
      'ENV PYTHONUNBUFFERED=1',
      'FROM base AS build',
      'RUN apt-get install -y gcc && pip wheel .',
      'FROM base',
      'COPY --from=build /w /w',
    );
    expect(fails(clean, 'HARD-DOCKERFILE-001')).toEqual([]);
  });

  it.each([
    [
      'dotnet',
      ['FROM mcr.microsoft.com/dotnet/sdk:8.0', 'WORKDIR /src', 'COPY . /src', 'RUN dotnet build -c Release'],
      [
        'FROM mcr.microsoft.com/dotnet/sdk:8.0',
        'WORKDIR /src',
        'COPY *.csproj ./',
        'RUN dotnet restore',
        'COPY . /src',
        'RUN dotnet publish -c Release --no-restore',
      ],
    ],
    [
      'go',
      ['FROM golang:1.23', 'WORKDIR /src', 'COPY . .', 'RUN go build -o /app .'],
      [
        'FROM golang:1.23',
        'WORKDIR /src',
        'COPY go.mod go.sum ./',
        'RUN go mod download',
        'COPY . .',
        'RUN go build -o /app .',
      ],
    ],
    [
      'yarn',
      ['FROM node:22.11', 'COPY . .', 'RUN yarn install --frozen-lockfile'],
      ['FROM node:22.11', 'COPY package.json yarn.lock ./', 'RUN yarn install --frozen-lockfile', 'COPY . .'],
    ],
    [
      'pnpm',
      ['FROM node:22.11', 'COPY . .', 'RUN pnpm install'],
      ['FROM node:22.11', 'COPY package.json pnpm-lock.yaml ./', 'RUN pnpm install', 'COPY . .', 'RUN pnpm build'],
    ],
    [
      'maven',
      ['FROM maven:3.9-eclipse-temurin-21', 'COPY . .', 'RUN mvn -B package'],
      [
        'FROM maven:3.9-eclipse-temurin-21',
        'COPY pom.xml .',
        'RUN mvn -B dependency:go-offline',
        'COPY . .',
        'RUN mvn -B package',
      ],
    ],
    [
      'gradle',
      ['FROM gradle:8.10-jdk21', 'COPY . .', 'RUN gradle build'],
      [
        'FROM gradle:8.10-jdk21',
        'COPY build.gradle settings.gradle ./',
        'RUN gradle dependencies',
        'COPY . .',
        'RUN gradle build',
      ],
    ],
    [
      'cargo',
      ['FROM rust:1.82', 'COPY . .', 'RUN cargo build --release'],
      ['FROM rust:1.82', 'COPY Cargo.toml Cargo.lock ./', 'RUN cargo fetch', 'COPY . .', 'RUN cargo build --release'],
    ],
    [
      'composer',
      ['FROM composer:2.8', 'COPY . .', 'RUN composer install'],
      ['FROM composer:2.8', 'COPY composer.json composer.lock ./', 'RUN composer install', 'COPY . .'],
    ],
    [
      'bundler',
      ['FROM ruby:3.3', 'COPY . .', 'RUN bundle install'],
      ['FROM ruby:3.3', 'COPY Gemfile Gemfile.lock ./', 'RUN bundle install', 'COPY . .'],
    ],
    [
      // link-shortener-typescript's Dockerfile in the corpus: the install in exec form.
      'npm in exec form',
      ['FROM node:16', 'COPY . .', 'WORKDIR /app', 'RUN ["npm", "install"]'],
      ['FROM node:16', 'WORKDIR /app', 'COPY package.json package-lock.json ./', 'RUN ["npm", "install"]', 'COPY . .'],
    ],
  ])('%s: fetching dependencies after copying the whole context fails; fetching them first passes', (_, bad, good) => {
    expect(fails(lines(...bad), 'HARD-CACHE-003')).toEqual([bad.findIndex((line) => /^COPY \. /.test(line)) + 1]);
    expect(fails(lines(...good), 'HARD-CACHE-003')).toEqual([]);
  });

  it('says what FROM scratch is when no USER is set', () => {
    const scratch = analyse({ dockerfile: lines('FROM scratch', 'COPY app /app', 'ENTRYPOINT ["/app"]') }).find(
      (result) => result.id === 'HARD-USER-004',
    )!;
    expect(scratch.message).toBe(
      'no USER in the shipped stage, and FROM scratch is an empty image (no user, no files): the container runs as UID 0',
    );
  });
});

describe('values written with build arguments', () => {
  const result = (dockerfile: string, id: string, input: { buildArgs?: Record<string, string> } = {}) =>
    analyse({ dockerfile, ...input }).filter((entry) => entry.id === id);

  it('show the written reference, never a half-substituted one, when an argument has no default', () => {
    // Shaped like packaging Dockerfiles whose base is chosen by the build script.
    const dockerfile = lines(
      'ARG PACKAGE_TYPE',
      'ARG PACKAGE_VERSION',
      'ARG ARCH_PREFIX',
      'FROM ${ARCH_PREFIX}/debian:12-slim AS deps',
      'FROM ${PACKAGE_TYPE}:${PACKAGE_VERSION}',
      'COPY --from=deps /usr/lib /usr/lib',
      'RUN ./build.sh',
    );
    const user = result(dockerfile, 'HARD-USER-004')[0];
    expect(user.message).toBe(
      'no USER in the shipped stage: it runs as the user of its base image ${PACKAGE_TYPE}:${PACKAGE_VERSION}, root unless that image sets one (a full run measures it: HARD-USER-001)',
    );
    expect(result(dockerfile, 'HARD-DOCKERFILE-002').map((entry) => [entry.status, entry.message])).toEqual([
      [
        'skip',
        'FROM ${ARCH_PREFIX}/debian:12-slim: the image is set by a build argument without a default (ARCH_PREFIX)',
      ],
      [
        'skip',
        'FROM ${PACKAGE_TYPE}:${PACKAGE_VERSION}: the image is set by a build argument without a default (PACKAGE_TYPE, PACKAGE_VERSION)',
      ],
    ]);
    // Given as build arguments, they are whole.
    const given = result(dockerfile, 'HARD-USER-004', {
      buildArgs: { PACKAGE_TYPE: 'debian', PACKAGE_VERSION: '12', ARCH_PREFIX: 'arm64v8' },
    })[0];
    expect(given.message).toContain('its base image debian:12,');
  });

  it('substitute ARG defaults that name earlier arguments, as BuildKit does', () => {
    const dockerfile = lines(
      'ARG RUBY_VERSION=3.4.1',
      'ARG DEBIAN_RELEASE=bookworm',
      'ARG IMAGE_TAG=${RUBY_VERSION}-${DEBIAN_RELEASE}-slim',
      'FROM ruby:${IMAGE_TAG}',
      'CMD ["ruby", "app.rb"]',
    );
    expect(result(dockerfile, 'HARD-USER-004')[0].message).toContain('its base image ruby:3.4.1-bookworm-slim,');
  });

  it('leave a USER set by an argument without a default to a full run, and resolve one with a value', () => {
    const unset = lines('FROM debian:12', 'ARG APP_UID', 'USER ${APP_UID}');
    expect(result(unset, 'HARD-USER-004')).toMatchObject([
      {
        status: 'skip',
        message:
          'USER ${APP_UID}: set by a build argument without a default (APP_UID), so only a build knows it — a full run measures the user (HARD-USER-001)',
      },
    ]);
    expect(result(unset, 'HARD-USER-004', { buildArgs: { APP_UID: '10001' } })).toMatchObject([
      { status: 'pass', message: 'USER 10001' },
    ]);
    expect(
      result(lines('FROM debian:12', 'ARG RUN_AS=app', 'USER $RUN_AS'), 'HARD-USER-004', {
        buildArgs: { RUN_AS: 'root' },
      }),
    ).toMatchObject([{ status: 'fail', message: 'USER $RUN_AS is root (root)' }]);
  });
});

describe('stages the target does not build', () => {
  // Shaped like a project whose production stage comes first and a development environment after it.
  const dockerfile = lines(
    'FROM node:22.11-slim AS build', // 1
    'WORKDIR /src', // 2
    'COPY package.json package-lock.json ./', // 3
    'RUN npm ci', // 4
    'COPY . .', // 5
    'RUN npm run build', // 6
    'FROM node:22.11-slim AS production', // 7
    'COPY --from=build /src/dist /app', // 8
    'USER node', // 9
    'CMD ["node", "/app/server.js"]', // 10
    'FROM node:latest AS dev', // 11
    'RUN apt-get update && apt-get install -y sudo vim', // 12
    'WORKDIR src', // 13
    'ADD scripts/ /scripts/', // 14
    'RUN curl -fsSL https://example.com/x.tgz | tar -xz', // 15
    'CMD ["npm", "run", "dev"]', // 16
  );
  const ids = [
    'HARD-DOCKERFILE-002',
    'HARD-DOCKERFILE-003',
    'HARD-DOCKERFILE-004',
    'HARD-DOCKERFILE-006',
    'HARD-DOCKERFILE-010',
    'HARD-DOCKERFILE-011',
    'HARD-DOCKERFILE-012',
    'HARD-DOCKERFILE-014',
  ];
  const failing = (target?: string) =>
    analyse({ dockerfile, ...(target ? { target } : {}) })
      .filter((entry) => ids.includes(entry.id) && entry.status === 'fail' && entry.severity !== 'notice')
      .map((entry) => `${entry.id}:${entry.location?.line}`);

  it('are left to the target that builds them', () => {
    expect(failing('production')).toEqual([]);
  });

  it('are judged when the target builds them', () => {
    expect(failing()).toEqual([
      'HARD-DOCKERFILE-002:11',
      'HARD-DOCKERFILE-003:12',
      'HARD-DOCKERFILE-004:12',
      'HARD-DOCKERFILE-010:14',
      'HARD-DOCKERFILE-011:12',
      'HARD-DOCKERFILE-012:13',
      'HARD-DOCKERFILE-014:15',
    ]);
  });

  it('include the stages copied or mounted from, not only the FROM chain', () => {
    const mounted = lines(
      'FROM alpine:latest AS tools', // 1
      'FROM golang:1.23 AS build', // 2
      'RUN --mount=type=cache,target=/root/.cache --mount=type=bind,from=tools,source=/bin,target=/t go build ./...',
      'FROM gcr.io/distroless/static-debian12:1.0',
      'COPY --from=build /app /app',
    );
    const unpinned = analyse({ dockerfile: mounted }).filter(
      (entry) => entry.id === 'HARD-DOCKERFILE-002' && entry.status === 'fail' && entry.severity !== 'notice',
    );
    expect(unpinned.map((entry) => entry.location?.line)).toEqual([1]);
  });
});

describe('what the shell reader must not invent', () => {
  it('a case pattern alternative is not a pipe', () => {
    // Shaped like a JDK install that picks its download by architecture.
    const dockerfile = lines(
      'FROM ubuntu:24.04',
      'RUN set -eux; \\',
      '    ARCH="$(dpkg --print-architecture)"; \\',
      '    case "${ARCH}" in \\',
      '       aarch64|arm64) URL=https://example.com/jdk-aarch64.tar.gz ;; \\',
      '       amd64|x86_64) URL=https://example.com/jdk-x64.tar.gz ;; \\',
      '       *) echo "Unsupported arch: ${ARCH}"; exit 1 ;; \\',
      '    esac; \\',
      '    curl -LfsSo /tmp/jdk.tar.gz "${URL}"',
    );
    expect(fails(dockerfile, 'HARD-DOCKERFILE-014')).toEqual([]);
    // A real pipe beside it still counts.
    expect(fails(`${dockerfile}; \\\n    echo "abc */tmp/jdk.tar.gz" | sha256sum -c -`, 'HARD-DOCKERFILE-014')).toEqual(
      [2],
    );
  });

  it('chown --from names the current owner, not a path', () => {
    const base = ['FROM debian:12', 'WORKDIR /srv', 'COPY app/ /srv/app/'];
    expect(fails(lines(...base, 'RUN chown -R --from=root:root app:app /srv/app'), 'HARD-DOCKERFILE-013')).toEqual([4]);
    expect(fails(lines(...base, 'RUN chown -R --from root:root app:app /srv/data'), 'HARD-DOCKERFILE-013')).toEqual([]);
    const message = analyse({ dockerfile: lines(...base, 'RUN chown -R --from root:root app:app /srv/app') }).find(
      (entry) => entry.id === 'HARD-DOCKERFILE-013',
    )?.message;
    expect(message).toBe('chown -R /srv/app rewrites copied files into a new layer');
  });

  it('the sudo package and the sudo group are told apart from running sudo', () => {
    const results = analyse({
      dockerfile: lines(
        'FROM debian:12',
        'RUN apt-get update && apt-get install -y --no-install-recommends sudo && rm -rf /var/lib/apt/lists/*',
        'RUN useradd -m -G sudo app',
        'RUN sudo -u app -H git config --global user.name x',
      ),
    }).filter((entry) => entry.id === 'HARD-DOCKERFILE-011');
    expect(results.map((entry) => [entry.location?.line, entry.message])).toEqual([
      [2, 'apt-get install installs the sudo package: a setuid-root binary and a sudoers policy'],
      [4, '`sudo -u app -H git config --global user.name x` runs git through sudo'],
    ]);
  });

  it('apt-get update is fine when the same RUN uses or removes the lists', () => {
    const dockerfile = lines(
      'FROM debian:12',
      'RUN apt-get update -qq && apt-cache depends curl | grep "^\\w" > /tmp/pkgs && apt-get -o APT::Architecture=arm64 download $(cat /tmp/pkgs)',
      'RUN apt-get update && playwright install --with-deps chromium && rm -rf /var/lib/apt/lists/*',
      'RUN apt-get update',
      'RUN apt-get install -y --no-install-recommends curl',
    );
    expect(fails(dockerfile, 'HARD-DOCKERFILE-005')).toEqual([4]);
  });
});

describe('PID 1 as the Dockerfile sets it', () => {
  const init = (...dockerfile: string[]) =>
    analyse({ dockerfile: lines(...dockerfile) })
      .filter((entry) => entry.id === 'HARD-INIT-004')
      .map((entry) => [entry.status, entry.severity, entry.message]);

  it("is s6-overlay's /init where the Dockerfile sets up s6-overlay", () => {
    // Shaped like a proxy manager image: S6_ settings, an install script, ENTRYPOINT ["/init"].
    expect(
      init(
        'FROM debian:12-slim',
        'ENV S6_BEHAVIOUR_IF_STAGE2_FAILS=1 S6_KILL_FINISH_MAXTIME=10000',
        'COPY scripts/install-s6 /tmp/install-s6',
        'RUN /tmp/install-s6 && rm -f /tmp/install-s6',
        'ENTRYPOINT [ "/init" ]',
      ),
    ).toEqual([['pass', 'warning', 'PID 1 will be s6-overlay /init (`/init`)']]);
    expect(
      init(
        'FROM alpine:3.20',
        'ADD https://github.com/just-containers/s6-overlay/releases/download/v3.2.0.2/s6-overlay-noarch.tar.xz /tmp',
        'RUN tar -C / -Jxpf /tmp/s6-overlay-noarch.tar.xz',
        'ENTRYPOINT ["/init"]',
      )[0][0],
    ).toBe('pass');
  });

  it('is not called an init for a program merely named /init', () => {
    expect(init('FROM debian:12-slim', 'COPY init /init', 'ENTRYPOINT ["/init"]')).toEqual([
      [
        'fail',
        'notice',
        "PID 1 will be `/init`: s6-overlay's entry point has that name, but nothing in this Dockerfile sets up s6-overlay (the base image debian:12-slim may); a full run measures PID 1 (HARD-INIT-001)",
      ],
    ]);
  });

  it('recognises the documented inits, and CMD after an empty ENTRYPOINT', () => {
    for (const argv of [
      '["/usr/bin/dumb-init", "--"]',
      '["catatonit", "--"]',
      '["/usr/bin/supervisord", "-n"]',
      '["/sbin/my_init"]',
    ])
      expect(init('FROM debian:12', `ENTRYPOINT ${argv}`)[0][0]).toBe('pass');
    expect(init('FROM alpine:3.20', 'ENTRYPOINT []', 'CMD ["/sbin/tini", "-g", "--", "/clamd.sh"]')[0][0]).toBe('pass');
  });

  it('says what it cannot know instead of assuming', () => {
    expect(init('FROM nginx:1.27', 'COPY site /usr/share/nginx/html')).toEqual([
      [
        'fail',
        'notice',
        'no ENTRYPOINT or CMD in the shipped stages: PID 1 is what the base image nginx:1.27 runs, which this Dockerfile does not show; a full run measures PID 1 (HARD-INIT-001)',
      ],
    ]);
    expect(
      init(
        'FROM debian:12',
        'ENTRYPOINT ["/docker-entrypoint.sh"]',
        'CMD ["/usr/bin/supervisord", "-c", "/etc/supervisor/supervisord.conf"]',
      ),
    ).toEqual([
      [
        'fail',
        'notice',
        'PID 1 will be `/docker-entrypoint.sh`, which hands over to CMD\'s supervisord (an init) if it ends with `exec "$@"`, as entrypoint scripts do; a full run measures PID 1 (HARD-INIT-001)',
      ],
    ]);
    // A script no COPY brings (the base image's, or one a RUN makes) is not read: what it execs decides.
    expect(init('FROM python:3.11-slim', 'ENTRYPOINT ["/entrypoint.sh"]', 'CMD ["python", "-m", "app"]')).toEqual([
      [
        'fail',
        'notice',
        'PID 1 starts as `/entrypoint.sh python -m app`; what it becomes is up to the script /entrypoint.sh, which no COPY of this Dockerfile brings from the build context (a RUN makes it, or the base image has it); a full run measures PID 1 (HARD-INIT-001)',
      ],
    ]);
    // An app as PID 1 stays a warning.
    expect(init('FROM python:3.11-slim', 'ENTRYPOINT ["/usr/local/bin/app"]', 'CMD ["--port", "8080"]')).toEqual([
      ['fail', 'warning', 'PID 1 will be `/usr/local/bin/app --port 8080`, not an init'],
    ]);
  });
});

describe('secrets and privilege drops across stages', () => {
  it('a literal credential in the ENV of a builder stage is a warning: it is in the Dockerfile, not the image', () => {
    const results = analyse({
      dockerfile: lines(
        'FROM node:22.11 AS builder',
        'ENV DATABASE_URL="postgresql://user:s3cretpw@localhost:5432/app"',
        'RUN npm run build',
        'FROM node:22.11',
        'COPY --from=builder /app /app',
        'ENV API_TOKEN=abcd1234abcd1234abcd1234',
      ),
    }).filter((entry) => entry.id === 'HARD-SECRETS-003' && entry.status === 'fail');
    expect(results.map((entry) => [entry.location?.line, entry.severity])).toEqual([
      [2, 'warning'],
      [6, 'error'],
    ]);
  });

  it('gosu installed in a stage the shipped one copies from, and an entrypoint script that could not be read: it may drop root', () => {
    const results = analyse({
      dockerfile: lines(
        'FROM debian:12 AS runtime-deps',
        'RUN apt-get update && apt-get download gosu curl',
        'FROM python:3.13-slim',
        'COPY --from=runtime-deps /install /',
        'COPY ./docker/start.py /start.py',
        'ENTRYPOINT ["/start.py"]',
      ),
    }).filter((entry) => entry.id === 'HARD-USER-004');
    expect(results.map((entry) => [entry.status, entry.severity])).toEqual([['fail', 'warning']]);
    expect(results[0].message).toContain('it installs gosu, which its entrypoint /start.py');
  });
});

describe('world-writable paths', () => {
  const found = (...dockerfile: string[]) =>
    analyse({ dockerfile: lines(...dockerfile) })
      .filter((entry) => entry.id === 'HARD-DOCKERFILE-016' && entry.status === 'fail')
      .map((entry) => [entry.location?.line, entry.severity, entry.measured]);

  it('are an error on system paths, a warning on an application tree, a notice on one data directory', () => {
    expect(
      found(
        'FROM node:22.11-slim', // 1
        'WORKDIR /app', // 2
        'ENV CACHE_DIR=/var/cache/app', // 3
        'RUN chmod -R a+w /etc/nginx', // 4
        'RUN chmod -R 777 .', // 5
        'RUN mkdir -p .next/cache && chmod 777 .next/cache', // 6
        'RUN mkdir -m 0777 -p ${CACHE_DIR}', // 7
        'COPY --chmod=666 config.json /usr/local/etc/app.json', // 8
        'RUN find /opt/tools -type d -exec chmod o+w {} +', // 9
        'RUN chmod 777 /tmp/uploads', // 10
      ),
    ).toEqual([
      [4, 'error', '/etc/nginx'],
      [5, 'warning', '/app'],
      [6, 'notice', '/app/.next/cache'],
      [7, 'notice', '/var/cache/app'],
      [8, 'error', '/usr/local/etc/app.json'],
      [9, 'warning', '/opt/tools'],
      [10, 'notice', '/tmp/uploads'],
    ]);
  });

  it('leave alone what is not world-writable, a sticky temporary directory, and the stages that do not ship', () => {
    expect(
      found(
        'FROM debian:12 AS build',
        'RUN chmod -R 777 /usr/src',
        'FROM debian:12',
        'COPY --from=build /usr/src/app /app',
        'RUN chmod 1777 /var/tmp/shared && chmod -R o+t,a+w /tmp/x && chmod 775 /etc/unbound && chmod -R g=u /app',
        'RUN chmod +w /app/data && chmod -w /etc/passwd && chmod 644 /etc/app.conf',
      ),
    ).toEqual([]);
  });

  it('show a path set by a build argument without a default as written', () => {
    const message = analyse({ dockerfile: lines('FROM debian:12', 'ARG DATA', 'RUN chmod -R 777 $DATA') }).find(
      (entry) => entry.id === 'HARD-DOCKERFILE-016',
    )?.message;
    expect(message).toBe(
      '`chmod -R 777 $DATA` makes $DATA writable by any user: everything under it, code included, can be rewritten by any process of the container',
    );
  });
});

describe('downloads', () => {
  const found = (...dockerfile: string[]) =>
    analyse({ dockerfile: lines(...dockerfile) })
      .filter((entry) => entry.id === 'HARD-DOCKERFILE-017' && entry.status === 'fail')
      .map((entry) => [entry.location?.line, entry.severity, entry.message]);

  it('piped into a shell, run as a script, or put on the PATH unverified are found; over http they are errors', () => {
    expect(
      found(
        'FROM debian:12', // 1
        'RUN curl -fsSL https://deb.example.com/setup_22.x | sudo -E bash -', // 2
        'RUN wget -qO- http://get.example.com/install.sh | sh', // 3
        'RUN sh -c "$(curl -fsSL https://raw.example.com/install.sh)"', // 4
        'RUN bash <(curl -s https://example.com/i.sh)', // 5
        'RUN wget https://example.com/setup.sh -O setup.sh && chmod +x ./setup.sh && ./setup.sh', // 6
        'RUN curl -fsSL https://example.com/yq_linux_amd64 -o /usr/local/bin/yq && chmod +x /usr/local/bin/yq', // 7
        'RUN curl -fsSL https://example.com/tool.tgz | tar -xz -C /usr/local/bin', // 8
        'ADD https://example.com/app.tgz /tmp/', // 9
        'ADD http://example.com/app.tgz /tmp/', // 10
        'RUN curl -LO https://example.com/install.sh && bash install.sh', // 11
      ),
    ).toEqual([
      [2, 'warning', 'pipes https://deb.example.com/setup_22.x into bash: the script runs unverified'],
      [
        3,
        'error',
        'pipes http://get.example.com/install.sh into sh: the script runs unverified, over plain http: anyone on the way can swap it',
      ],
      [4, 'warning', 'runs a script fetched from https://raw.example.com/install.sh with sh, unverified'],
      [5, 'warning', 'runs a script fetched from https://example.com/i.sh with bash, unverified'],
      [
        6,
        'warning',
        'downloads https://example.com/setup.sh to setup.sh and runs it, with no checksum or signature checked',
      ],
      [
        7,
        'warning',
        'downloads https://example.com/yq_linux_amd64 to /usr/local/bin/yq as an executable, with no checksum or signature checked',
      ],
      [8, 'warning', 'unpacks https://example.com/tool.tgz into /usr/local/bin with no checksum or signature checked'],
      [9, 'warning', 'ADD https://example.com/app.tgz without --checksum: the build takes whatever the server sends'],
      [
        10,
        'error',
        'ADD http://example.com/app.tgz without --checksum: the build takes whatever the server sends, over plain http: anyone on the way can swap it',
      ],
      [
        11,
        'warning',
        'downloads https://example.com/install.sh to install.sh and runs it, with no checksum or signature checked',
      ],
    ]);
  });

  it('verified in the same RUN, fetched as data, or by a case pattern are not', () => {
    expect(
      found(
        'FROM debian:12',
        // Shaped like a JDK install: the architecture picked in a case, the archive checked.
        'RUN set -eux; ARCH="$(dpkg --print-architecture)"; \\',
        '    case "${ARCH}" in aarch64|arm64) URL=https://example.com/a.tgz ;; amd64|x86_64) URL=https://example.com/b.tgz ;; esac; \\',
        '    curl -LfsSo /tmp/jdk.tgz "$URL"; echo "abc */tmp/jdk.tgz" | sha256sum -c -; tar -xf /tmp/jdk.tgz -C /opt',
        'RUN curl -fsSLo /usr/local/bin/gosu https://example.com/gosu && curl -fsSLo /tmp/gosu.asc https://example.com/gosu.asc && gpg --batch --verify /tmp/gosu.asc /usr/local/bin/gosu && chmod +x /usr/local/bin/gosu',
        'RUN curl -fsSL https://example.com/key.gpg | gpg --dearmor -o /usr/share/keyrings/example.gpg',
        'RUN curl -fsSL https://example.com/data.json -o /app/data.json',
        'ADD https://github.com/example/repo.git#v1.2.3 /src',
      ),
    ).toEqual([]);
  });
});

describe('development tools, read from the Dockerfile', () => {
  const found = (...dockerfile: string[]) =>
    analyse({ dockerfile: lines(...dockerfile) })
      .filter((entry) => entry.id === 'HARD-TOOLS-004' && entry.status === 'fail')
      .map((entry) => [entry.location?.line, entry.message]);

  it('a dev server as the command, a dev tool installed by name, devDependencies installed', () => {
    expect(
      found(
        'FROM node:22.11', // 1
        'RUN npm install -g nodemon@3', // 2
        'RUN pip install "pytest==8.0" debugpy', // 3
        'RUN go install github.com/go-delve/delve/cmd/dlv@latest', // 4
        'RUN yarn --frozen-lockfile', // 5
        'ENTRYPOINT ["tini", "--"]', // 6
        'CMD ["sh", "-c", "npx prisma migrate deploy && nodemon server.js"]', // 7
      ),
    ).toEqual([
      [2, '`npm install -g nodemon@3` installs nodemon in the shipped stage'],
      [3, '`pip install pytest==8.0 debugpy` installs pytest, debugpy in the shipped stage'],
      [4, '`go install github.com/go-delve/delve/cmd/dlv@latest` installs dlv in the shipped stage'],
      [
        5,
        '`yarn --frozen-lockfile` installs devDependencies if the manifest has any (no --omit=dev or --production, NODE_ENV is not production, nothing prunes them after); no COPY from the build context brings /package.json, so whether it has any is not known',
      ],
      [7, 'the image starts a development server: `nodemon server.js`'],
    ]);
  });

  it('production installs, NODE_ENV=production, a prune, a builder stage and production servers are fine', () => {
    expect(
      found(
        'FROM node:22.11 AS build',
        'RUN npm ci && npm run build',
        'CMD ["npm", "run", "dev"]',
        'FROM node:22.11',
        'ENV NODE_ENV=production',
        'RUN npm ci && yarn --version',
        'RUN NODE_ENV=development npm ci && npm run build && npm prune --omit=dev',
        // Shaped like a dev image warming its cache from a bind-mounted checkout: the mount is not kept.
        'RUN --mount=type=bind,src=/repo,from=build,target=/tmp/clone,readwrite cd /tmp/clone && (if [ -f yarn.lock ]; then yarn install; fi)',
        'COPY --from=build /app/dist /app/dist',
        'CMD ["node", "dist/server.js"]',
      ),
    ).toEqual([]);
    for (const cmd of ['["next", "start"]', '["gunicorn", "app:app"]', '["uvicorn", "app:app", "--host", "0.0.0.0"]'])
      expect(found('FROM python:3.11-slim', `CMD ${cmd}`)).toEqual([]);
    for (const cmd of [
      '["uvicorn", "app:app", "--reload"]',
      '["python", "manage.py", "runserver", "0.0.0.0:8000"]',
      '["pnpm", "dev"]',
      '["npx", "vite", "--host"]',
    ])
      expect(found('FROM python:3.11-slim', `CMD ${cmd}`)).toHaveLength(1);
  });
});

describe('a base the Dockerfile cannot see into', () => {
  it.each([
    ['FROM python:3.12-slim\nCMD ["python", "-m", "app"]\n', 'error'],
    ['FROM node:20-bookworm-slim\nCMD ["node", "app.js"]\n', 'error'],
    ['FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCMD ["dotnet", "app.dll"]\n', 'error'],
    ['FROM registry.example.com/platform/python-base:3.12\nCMD ["python", "-m", "app"]\n', 'warning'],
    ['FROM bitnami/nginx:1.25.3\nCMD ["nginx"]\n', 'warning'],
  ])('%s: no USER and no HEALTHCHECK are %s', (dockerfile, severity) => {
    const results = analyse({ dockerfile }).filter(
      (result) => (result.id === 'HARD-USER-004' || result.id === 'HARD-HEALTH-006') && result.status === 'fail',
    );
    expect(results.map((result) => [result.id, result.severity])).toEqual([
      ['HARD-USER-004', severity],
      ['HARD-HEALTH-006', severity],
    ]);
  });
});

describe('credentials on the command lines of the Dockerfile', () => {
  it.each([
    ['RUN mysql -uroot -pS3cretPassw0rd -e "CREATE DATABASE app"', 'RUN'],
    ['RUN curl -fsSL -u deploy:Hunter2Hunter2 https://artifacts.example.com/app.tar.gz -o /app.tgz', 'RUN'],
    ['HEALTHCHECK CMD redis-cli -a Zq8vLm2pRt5w ping', 'HEALTHCHECK'],
    ['CMD ["sh", "-c", "PGPASSWORD=k9Xq2mWv7Lp4 psql -h db -c \'select 1\'"]', 'CMD'],
  ])('%s: an error on its line, the value never shown', (line, keyword) => {
    const dockerfile = `FROM debian:12\nUSER 1000\n${line}\n`;
    const results = analyse({ dockerfile }).filter((result) => result.id === 'HARD-SECRETS-004');
    expect(results.map((result) => [result.status, result.severity, result.location?.line])).toEqual([
      ['fail', 'error', 3],
    ]);
    expect(results[0].message.startsWith(`${keyword} holds`)).toBe(true);
    expect(JSON.stringify(results)).not.toMatch(/S3cretPassw0rd|Hunter2Hunter2|Zq8vLm2pRt5w|k9Xq2mWv7Lp4/);
  });

  it('passes references, ports and secret mounts', () => {
    const dockerfile =
      'FROM debian:12\nRUN --mount=type=secret,id=npm,env=NPM_TOKEN npm ci\nRUN psql -h db -p 5432 -U app -c "select 1"\nHEALTHCHECK CMD redis-cli -a "$REDIS_PASSWORD" ping\nUSER 1000\n';
    expect(fails(dockerfile, 'HARD-SECRETS-004')).toEqual([]);
  });
});

describe('a stand-in a build step needs is no credential', () => {
  it('SECRET_KEY="dummyKeyWithMinimumLength---" for collectstatic passes', () => {
    const dockerfile =
      'FROM python:3.12-slim\nRUN SECRET_KEY="dummyKeyWithMinimumLength-------------------------" python manage.py collectstatic --no-input\nUSER 1000\n';
    expect(fails(dockerfile, 'HARD-SECRETS-004')).toEqual([]);
  });
});

describe('apt-get update with a tool that installs through apt itself', () => {
  it('is not alone: mk-build-deps -i reads the lists it fetched', () => {
    const dockerfile =
      'FROM debian:12\nRUN apt-get update && mk-build-deps -ri -t "apt-get -y --no-install-recommends" debian/control\nUSER 1000\n';
    expect(fails(dockerfile, 'HARD-DOCKERFILE-005')).toEqual([]);
  });
  it('is alone when nothing else in its RUN could read them', () => {
    expect(
      fails('FROM debian:12\nRUN set -e && apt-get update && echo done\nUSER 1000\n', 'HARD-DOCKERFILE-005'),
    ).toEqual([2]);
  });
});

describe('a base chosen by a build argument with an empty default', () => {
  it('names no image: not judged as "no tag", and shown as written', () => {
    const dockerfile =
      'ARG distro=""\nFROM docker.io/library/${distro} AS builder\nRUN true\nFROM builder\nUSER 1000\n';
    const results = analyse({ dockerfile });
    expect(results.filter((result) => result.id === 'HARD-DOCKERFILE-002' && result.status === 'fail')).toEqual([]);
    expect(JSON.stringify(results)).not.toContain('docker.io/library/ ');
  });
});
