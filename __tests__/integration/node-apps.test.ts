import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildImage } from '../../src/docker/buildx.js';
import { CORPUS, describeCorpus } from '../helpers/corpus.js';
import { exec } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// The real Node apps of the corpus (../shared/corpus/apps: full sources) build here on the local
// node:* stand-ins (scripts/base-images/node): each Dockerfile at the stage its compose file
// builds (or its last), its dependencies installed from npm's registry through the machine's
// TLS-inspecting egress, which the stand-ins trust. The corpus is read in place: the build context
// is the app's own directory. Where a Dockerfile starts with `# syntax=docker/dockerfile:…`
// (BuildKit would fetch that frontend from Docker Hub, which no build here reaches), the test
// builds a copy of the Dockerfile without that line, in a scratch directory, with the corpus
// directory as the context; the Dockerfile is otherwise unchanged. Running the apps is not this
// file's business: the images are removed after.

interface App {
  name: string;
  /** Relative to the corpus's apps/. */
  context: string;
  /** The stage the app's compose file builds; null: the last stage. */
  stage: string | null;
  /** The base image its first FROM names, and the Node major that stand-in carries. */
  base: string;
  major: number;
  /** A path the install must have filled in the image. */
  installed: string;
}

const APPS: App[] = [
  {
    name: 'react-express-mongodb backend (compose target development; npm ci)',
    context: 'react-express-mongodb/backend',
    stage: 'development',
    base: 'node:lts-buster-slim',
    major: 20,
    installed: '/usr/src/app/node_modules/express/package.json',
  },
  {
    name: 'react-express-mongodb frontend (compose target development; npm ci of a Create React App)',
    context: 'react-express-mongodb/frontend',
    stage: 'development',
    base: 'node:lts-buster',
    major: 20,
    installed: '/usr/src/app/node_modules/react-scripts/package.json',
  },
  {
    name: 'catalog-service-node (last stage final; npm ci --production --ignore-scripts, as appuser)',
    context: 'catalog-service-node',
    stage: null,
    base: 'node:22-slim',
    major: 22,
    installed: '/usr/local/app/node_modules/express/package.json',
  },
  {
    name: 'link-shortener-typescript (its only stage; npm install, which lands in /node_modules)',
    context: 'link-shortener-typescript/backend/link-shortener',
    stage: null,
    base: 'node:16',
    major: 16,
    installed: '/node_modules/@nestjs/core/package.json',
  },
];

/** The app's Dockerfile, or a scratch copy without its `# syntax=` line (see the top of the file). */
function dockerfileFor(context: string): { path: string; stripped: boolean } {
  const path = join(context, 'Dockerfile');
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  if (!/^#\s*syntax\s*=/i.test(lines[0] ?? '')) return { path, stripped: false };
  const copy = join(scratchDir('node-app-dockerfile'), 'Dockerfile');
  writeFileSync(copy, lines.slice(1).join('\n'));
  return { path: copy, stripped: true };
}

async function inImage(image: string, ...command: string[]): Promise<string> {
  const run = await exec('docker', [
    'run',
    '--rm',
    '--network',
    'none',
    '--entrypoint',
    command[0],
    image,
    ...command.slice(1),
  ]);
  if (run.code !== 0) throw new Error(`${command.join(' ')} in ${image}: ${run.stderr}`);
  return run.stdout.trim();
}

describeCorpus('the corpus Node apps build on the node:* stand-ins', () => {
  const made: string[] = [];
  afterAll(async () => {
    if (made.length > 0) await exec('docker', ['image', 'rm', '-f', ...made]);
  });

  it.each(APPS.map((app) => [app.name, app] as const))(
    '%s',
    async (_name, app) => {
      const base = await exec('docker', ['image', 'inspect', '--format', '{{.Id}}', app.base]);
      expect({ base: app.base, present: base.code === 0 }).toEqual({ base: app.base, present: true });
      const context = join(CORPUS, 'apps', app.context);
      const dockerfile = dockerfileFor(context);
      const firstFrom = readFileSync(dockerfile.path, 'utf8').match(/^FROM\s+(\S+)/im)?.[1];
      expect(firstFrom).toBe(app.base);
      const built = await buildImage({
        context,
        dockerfile: dockerfile.path,
        buildArgs: {},
        noCache: false,
        tags: [],
        ...(app.stage ? { target: app.stage } : {}),
      });
      if (built.imageId) made.push(built.imageId);
      expect({ ok: built.ok, log: built.logTail }).toEqual({ ok: true, log: '' });
      expect(await inImage(built.imageId!, 'node', '--version')).toMatch(new RegExp(`^v${app.major}\\.`));
      expect(await inImage(built.imageId!, 'test', '-f', app.installed)).toBe('');
    },
    900_000,
  );

  it('the images its compose files run as they are: node:lts-slim has node, npm and yarn (yarn dev)', async () => {
    expect(await inImage('node:lts-slim', 'node', '--version')).toMatch(/^v24\./);
    expect(await inImage('node:lts-slim', 'yarn', '--version')).toMatch(/^1\.22\./);
    expect(await inImage('node:lts-slim', 'npm', '--version')).toMatch(/^\d+\./);
    // As the real images: user node, uid and gid 1000.
    expect(await inImage('node:lts-slim', 'id', 'node')).toBe('uid=1000(node) gid=1000(node) groups=1000(node)');
  });
});
