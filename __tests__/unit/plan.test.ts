import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import { planTargets, type ImageAvailability, type Plan } from '../../src/run/plan.js';
import { principalPlatform } from '../../src/run/target-requests.js';
import { platformList } from '../../src/inputs/platforms.js';
import { canonicalImageName } from '../../src/util/image-reference.js';
import { scratchTree } from '../helpers/scratch.js';

// The plan decides what one run proves: when two builds are the same image (proven once), when
// they differ (two targets, named so a reader sees why), which service runs which proven image,
// and what is left out — said once, with why and how to prove it.

/** A project shaped like a real one: a multi-stage Dockerfile at the root, a compose file beside it. */
const DOCKERFILE = [
  'ARG NODE_VERSION=22',
  'FROM cs-hardening/busybox-tini:local AS deps',
  'ARG NODE_ENV=production',
  'RUN echo "$NODE_ENV" > /env',
  'FROM cs-hardening/busybox-tini:local AS runtime',
  'ARG NODE_ENV=production',
  'ARG NPM_TOKEN',
  'COPY --from=deps /env /env',
  'USER 10001',
  '',
].join('\n');

function project(compose: string, files: Record<string, string> = {}): string {
  return scratchTree('plan', { Dockerfile: DOCKERFILE, 'compose.yaml': compose, ...files });
}

async function plan(
  root: string,
  inputs: RawInputs = {},
  obtain?: (image: string) => ImageAvailability,
): Promise<Plan> {
  return planTargets(
    await resolveOptions({ context: '.', ...inputs }, root),
    obtain ? { obtainImage: (image) => Promise.resolve(obtain(image)) } : {},
  );
}

const shape = (result: Plan): [string, string, string[]][] =>
  result.targets.map((target) => [target.name, target.source.kind, target.services]);

describe('the same image reached twice is one target', () => {
  it.each([
    ['build: .', 'build: .'],
    [
      'the last stage named, args restating the defaults',
      'build:\n      context: .\n      target: runtime\n      args:\n        NODE_ENV: production\n        NODE_VERSION: "22"',
    ],
    ['the context written ./ with a trailing slash', 'build:\n      context: ./\n      dockerfile: ./Dockerfile'],
    [
      'the last stage named in other case, an arg the Dockerfile never declares',
      'build:\n      context: .\n      target: Runtime\n      args: [UNUSED=1]',
    ],
  ])("the context's Dockerfile and a service building it (%s)", async (_, build) => {
    const root = project(`services:\n  app:\n    ${build}\n`);
    expect(shape(await plan(root, { mode: 'static' }))).toEqual([['.', 'build', ['compose.yaml#app']]]);
  });

  it('a context reached through a symlink, and three services building one image', async () => {
    const root = scratchTree('plan-link', {
      'app/Dockerfile': DOCKERFILE,
      'compose.yaml': [
        'services:',
        '  server:',
        '    build: ./app',
        '  scheduler:',
        '    build:',
        '      context: ./app-link',
        '      target: runtime',
        '  worker:',
        '    build: app/',
        '',
      ].join('\n'),
    });
    symlinkSync('app', join(root, 'app-link'));
    expect(shape(await plan(root, { mode: 'static' }))).toEqual([
      ['compose.yaml', 'stack', []],
      ['server', 'build', ['compose.yaml#server', 'compose.yaml#scheduler', 'compose.yaml#worker']],
    ]);
  });
});

describe('builds of one Dockerfile that differ stay two, named so a reader sees why', () => {
  it('another value for a declared arg', async () => {
    const root = project(
      'services:\n  web:\n    build:\n      context: .\n      args:\n        NODE_ENV: development\n',
    );
    expect(shape(await plan(root, { mode: 'static' }))).toEqual([
      ['. (NODE_ENV=production)', 'build', []],
      ['web (NODE_ENV=development)', 'build', ['compose.yaml#web']],
    ]);
  });

  it('another stage', async () => {
    const root = project('services:\n  deps:\n    build:\n      context: .\n      target: deps\n');
    expect(shape(await plan(root, { mode: 'static' })).map(([name]) => name)).toEqual([
      '. (last stage)',
      'deps (stage deps)',
    ]);
  });

  it('never shows a secret value, and keeps the names the user gave', async () => {
    const root = project(
      'services:\n  web:\n    build:\n      context: .\n      args:\n        NPM_TOKEN: npm_0123456789abcdefghijklmnopqrstuvwxyz\n',
    );
    const result = await plan(root, { mode: 'static' });
    expect(result.targets.map((target) => target.name)).toEqual([
      '. (NPM_TOKEN unset)',
      'web (NPM_TOKEN=[redacted, 40 characters])',
    ]);
    const named = await plan(root, { mode: 'static', targets: 'site=.' });
    expect(named.targets.map((target) => target.name)).toEqual([
      'compose.yaml',
      'site',
      'web (NPM_TOKEN=[redacted, 40 characters])',
    ]);
  });
});

describe('a service that names the image another builds', () => {
  it('runs that build: it joins its target, and is not an image to prove or a note', async () => {
    const root = project(
      [
        'services:',
        '  app:',
        '    build: .',
        '    image: acme/app:1.0',
        '  worker:',
        '    image: docker.io/acme/app:1.0',
        '    command: ["worker"]',
        '',
      ].join('\n'),
    );
    const asked: string[] = [];
    const result = await plan(root, { 'check-service-images': 'true' }, (image) => {
      asked.push(image);
      return { ok: true, pulled: false };
    });
    expect(shape(result)).toEqual([['.', 'build', ['compose.yaml#app', 'compose.yaml#worker']]]);
    expect(asked).toEqual([]);
    expect(result.notes).toEqual([]);
  });

  it("runs the context's own image when it names it", async () => {
    const root = project(
      ['services:', '  app:', '    build: .', '  worker:', '    image: acme/app:1.0', ''].join('\n'),
    );
    const result = await plan(root, { image: 'acme/app:1.0' });
    expect(shape(result)).toEqual([['acme/app:1.0', 'image', ['compose.yaml#app', 'compose.yaml#worker']]]);
    expect(result.notes).toEqual([]);
  });

  it('is left to compose when two different builds claim the name', async () => {
    const root = project(
      [
        'services:',
        '  app:',
        '    build: .',
        '    image: acme/app',
        '  debug:',
        '    build:',
        '      context: .',
        '      target: deps',
        '    image: acme/app',
        '  worker:',
        '    image: acme/app:latest',
        '',
      ].join('\n'),
    );
    const result = await plan(root, { mode: 'static' });
    expect(result.targets.flatMap((target) => target.services)).not.toContain('compose.yaml#worker');
  });
});

describe('services that only name an image', () => {
  const stack = [
    'services:',
    '  app:',
    '    build: .',
    '  postgres:',
    '    image: postgres:15-bookworm',
    '  replica:',
    '    image: postgres:15-bookworm',
    '  proxy:',
    '    image: 127.0.0.1:5999/proxy:1.0',
    '    volumes: [/var/run/docker.sock:/var/run/docker.sock:ro]',
    '',
  ].join('\n');

  it('are said unproven once per image, with how to prove them, when check-service-images is off', async () => {
    const result = await plan(project(stack));
    expect(shape(result)).toEqual([['.', 'build', ['compose.yaml#app']]]);
    expect(result.notes).toEqual([
      'postgres (compose.yaml:4), replica (compose.yaml:6): image postgres:15-bookworm not proven (check-service-images is off)',
      'proxy (compose.yaml:8): image 127.0.0.1:5999/proxy:1.0 not proven (check-service-images is off)',
      'the services that only name an image are proven only when asked, so their user, health and size were not judged: add --check-service-images to prove them (an image not on the engine is pulled)',
    ]);
    const action = await planTargets(await resolveOptions({ context: '.' }, project(stack), 'action'));
    expect(action.notes.at(-1)).toMatch(/set check-service-images: true to prove them/);
    // Static mode proves no image at all: nothing to single out.
    expect((await plan(project(stack), { mode: 'static' })).notes).toEqual([]);
  });

  it('are proven as images when present or pulled, and said unproven with the reason when not', async () => {
    const result = await plan(project(stack), { 'check-service-images': 'true' }, (image) =>
      image.startsWith('postgres')
        ? { ok: true, pulled: true }
        : { ok: false, reason: 'the pull failed (dial tcp 127.0.0.1:5999: connect: connection refused)' },
    );
    expect(shape(result)).toEqual([
      ['.', 'build', ['compose.yaml#app']],
      ['postgres', 'image', ['compose.yaml#postgres', 'compose.yaml#replica']],
    ]);
    expect(result.targets[1].source).toMatchObject({ kind: 'image', image: 'postgres:15-bookworm' });
    expect(result.notes).toEqual([
      'proxy (compose.yaml:8): image 127.0.0.1:5999/proxy:1.0 not proven, so its user, health and size were not judged: it is not on the engine and the pull failed (dial tcp 127.0.0.1:5999: connect: connection refused); pull it before the run (docker pull 127.0.0.1:5999/proxy:1.0) or log in to its registry',
    ]);
  });
});

describe('canonicalImageName', () => {
  it.each([
    ['app', 'docker.io/library/app:latest'],
    ['app:latest', 'docker.io/library/app:latest'],
    ['docker.io/library/app', 'docker.io/library/app:latest'],
    ['index.docker.io/acme/app:1', 'docker.io/acme/app:1'],
    ['acme/app:1', 'docker.io/acme/app:1'],
    ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest'],
    ['localhost/app:2', 'localhost/app:2'],
    ['ghcr.io/org/app@sha256:abc', 'ghcr.io/org/app@sha256:abc'],
    [`${'a'.repeat(64)}`, `sha256:${'a'.repeat(64)}`],
  ])('%s is %s', (reference, canonical) => {
    expect(canonicalImageName(reference)).toBe(canonical);
  });
});

describe('platforms: one target per platform of each build', () => {
  it('proves each build once per platform, the cache probe and the compose files on the first only', async () => {
    const root = project('services:\n  app:\n    build: .\n');
    const result = await plan(root, { mode: 'static', platforms: 'linux/amd64, linux/arm64', 'cache-probe': 'true' });
    expect(shape(result)).toEqual([
      ['. (linux/amd64)', 'build', ['compose.yaml#app']],
      ['. (linux/arm64)', 'build', ['compose.yaml#app']],
    ]);
    const [amd64, arm64] = result.targets;
    expect([amd64.collect.platform, arm64.collect.platform]).toEqual(['linux/amd64', 'linux/arm64']);
    expect([amd64.platform, arm64.platform]).toEqual([
      { name: 'linux/amd64', first: 'linux/amd64', of: '.', composeOn: 'linux/amd64' },
      { name: 'linux/arm64', first: 'linux/amd64', of: '.', composeOn: 'linux/amd64' },
    ]);
    // The compose file is judged once; each platform is still run in its stack (its services).
    expect(amd64.compose).not.toBeNull();
    expect(arm64.compose).toBeNull();
    // Their containers and compose projects apart: scopes differ.
    expect(new Set(result.targets.map((target) => target.scope)).size).toBe(2);
  });

  it('reads one platform as `platform`, and a repeated one once', async () => {
    const root = project('services: {}\n');
    const one = await plan(root, { mode: 'static', platforms: 'linux/arm64' });
    expect(shape(one)).toEqual([['.', 'build', []]]);
    expect(one.targets[0].collect.platform).toBe('linux/arm64');
    expect(one.targets[0].platform).toBeUndefined();
    const twice = await plan(root, { mode: 'static', platforms: 'linux/arm64,linux/arm64' });
    expect(shape(twice)).toEqual([['.', 'build', []]]);
  });

  it('says that an image given by reference is proven for one platform', async () => {
    const root = project('services: {}\n');
    const result = await plan(root, { mode: 'static', image: 'example/app:1', platforms: 'linux/amd64,linux/arm64' });
    expect(result.targets).toHaveLength(1);
    expect(result.notes).toContainEqual(
      expect.stringMatching(/platforms applies to builds; this image is proven as the engine holds it/),
    );
  });

  it.each([
    [
      { platforms: 'linux' },
      "--platforms: 'linux' is not a platform: give os/architecture[/variant], as `linux/amd64,linux/arm64`",
    ],
    [{ platforms: 'linux/amd64,Linux/ARM64/v8/x' }, "--platforms: 'linux/arm64/v8/x' is not a platform"],
    [
      { platform: 'linux/amd64', platforms: 'linux/arm64' },
      '--platform and --platforms are both given (linux/amd64; linux/arm64): --platform is the one-platform form of --platforms; give one of them',
    ],
  ])('refuses %j before anything runs', async (inputs, message) => {
    const root = project('services: {}\n');
    await expect(plan(root, { mode: 'static', ...inputs })).rejects.toThrow(message);
  });

  it('accepts platform and platforms naming the same one', async () => {
    const root = project('services: {}\n');
    const result = await plan(root, { mode: 'static', platform: 'linux/arm64', platforms: 'linux/arm64' });
    expect(result.targets[0].collect.platform).toBe('linux/arm64');
  });
});

describe('principalPlatform: the platform that stands for the build where one is enough', () => {
  it('is the one this engine runs natively, else the first its builder can build, else the first given', () => {
    const here = { native: 'linux/amd64', buildable: ['linux/amd64', 'linux/amd64/v2', 'linux/arm64', 'linux/386'] };
    expect(principalPlatform(['linux/arm64', 'linux/amd64'], here)).toBe('linux/amd64');
    expect(principalPlatform(['linux/sparc64', 'linux/arm64'], here)).toBe('linux/arm64');
    expect(principalPlatform(['linux/sparc64', 'linux/mips64'], here)).toBe('linux/sparc64');
    expect(principalPlatform(['linux/arm64', 'linux/amd64'], null)).toBe('linux/arm64');
  });

  it('is proven first, the others after it in the order given', async () => {
    const root = project('services: {}\n');
    const options = await resolveOptions(
      { context: '.', mode: 'static', platforms: 'linux/sparc64,linux/arm64,linux/amd64' },
      root,
    );
    const result = await planTargets(options, {
      platformsHere: () => Promise.resolve({ native: 'linux/amd64', buildable: ['linux/amd64', 'linux/arm64'] }),
    });
    expect(result.targets.map((target) => target.collect.platform)).toEqual([
      'linux/amd64',
      'linux/sparc64',
      'linux/arm64',
    ]);
    expect(result.targets.every((target) => target.platform?.first === 'linux/amd64')).toBe(true);
    expect(result.targets.map((target) => target.scope)).toEqual(['1-linux-amd64', '1-linux-sparc64', '1-linux-arm64']);
  });
});

describe('platformList', () => {
  it('reads the default variant as no variant, each platform once', () => {
    expect(platformList({ platforms: ['linux/arm64/v8', 'linux/arm64', 'Linux/AMD64/v1', 'linux/arm/v7'] })).toEqual([
      'linux/arm64',
      'linux/amd64',
      'linux/arm/v7',
    ]);
  });
});
