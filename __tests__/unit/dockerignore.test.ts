import { join } from 'node:path';
import { collectContextEvidence } from '../../src/evidence/context.js';
import { analyse, failedLines } from '../helpers/static.js';
import { scratchTree } from '../helpers/scratch.js';

const tree = (files: Record<string, string>): string => scratchTree('context', files);

const collect = (root: string, dockerfile: string | null = join(root, 'Dockerfile')) =>
  collectContextEvidence({ contextDir: root, dockerfilePath: dockerfile, show: (path) => path.slice(root.length + 1) });

describe("the build context, by Docker's matching rules", () => {
  it('applies *, **, directory patterns and ! exceptions, even below an excluded directory', async () => {
    const root = tree({
      Dockerfile: 'FROM scratch',
      '.dockerignore': '# comment\n*.md\n!README.md\nnode_modules\n**/*.pyc\ndocs/\nlogs/*\n!logs/keep.txt\n',
      'README.md': 'r',
      'CHANGES.md': 'c',
      'src/notes.md': 'n',
      'src/app.py': 'a',
      'src/app.pyc': 'b',
      'deep/x/y.pyc': 'b',
      'node_modules/a/index.js': 'x',
      'docs/guide.txt': 'g',
      'logs/a.log': 'l',
      'logs/keep.txt': 'k',
    });
    const context = await collect(root);
    // `*.md` is one directory deep only: src/notes.md is sent, as Docker sends it.
    expect(context.files.map((file) => file.path)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'README.md',
      'logs/keep.txt',
      'src/app.py',
      'src/notes.md',
    ]);
    expect(context.excludedFiles).toBe(6);
    expect(context.ignoreFile).toBe('.dockerignore');
    expect(context.patterns[0]).toEqual({ line: 2, pattern: '*.md' });
  });

  it('prefers <Dockerfile>.dockerignore beside the Dockerfile', async () => {
    const root = tree({
      'docker/app.Dockerfile': 'FROM scratch',
      'docker/app.Dockerfile.dockerignore': 'secret.txt\n',
      '.dockerignore': '',
      'secret.txt': 's',
    });
    const context = await collect(root, join(root, 'docker/app.Dockerfile'));
    expect(context.ignoreFile).toBe('docker/app.Dockerfile.dockerignore');
    expect(context.files.map((file) => file.path)).not.toContain('secret.txt');
  });

  it('reads the start of key-like files to tell a key from a certificate', async () => {
    const root = tree({
      Dockerfile: 'FROM scratch',
      'certs/ca.pem': '-----BEGIN CERTIFICATE-----\n',
      'deploy.key': '-----BEGIN EC PRIVATE KEY-----\n',
    });
    const context = await collect(root);
    expect(Object.keys(context.keyFiles).sort()).toEqual(['certs/ca.pem', 'deploy.key']);
  });
});

describe('dockerignore checks', () => {
  const files = (...paths: string[]) => paths.map((path) => ({ path, size: 100 }));

  it('HARD-DOCKERIGNORE-001 fails without an ignore file, on the Dockerfile', () => {
    expect(failedLines(analyse({ dockerfile: 'FROM scratch', context: {} }), 'HARD-DOCKERIGNORE-001')).toEqual([1]);
    expect(
      failedLines(
        analyse({
          dockerfile: 'FROM scratch',
          context: { ignoreFile: '.dockerignore', patterns: [{ line: 1, pattern: '.git' }] },
        }),
        'HARD-DOCKERIGNORE-001',
      ),
    ).toEqual([]);
  });

  it('HARD-DOCKERIGNORE-002 names what the production profile excludes and is still sent', () => {
    const results = analyse({
      context: {
        ignoreFile: '.dockerignore',
        files: files('app.py', 'README.md', 'tests/test_app.py', 'docs/a.md', '__pycache__/x.pyc', '.git/HEAD'),
      },
    });
    const finding = results.find((result) => result.id === 'HARD-DOCKERIGNORE-002');
    expect(finding?.status).toBe('fail');
    expect(finding?.measured).toEqual([
      'version control (.git/)',
      'tests',
      'documentation (docs/, *.md but README.md)',
      'Python caches (__pycache__/, *.pyc)',
    ]);
    expect(
      analyse({
        context: { ignoreFile: '.dockerignore', files: files('app.py', 'README.md', 'requirements.txt') },
      }).find((result) => result.id === 'HARD-DOCKERIGNORE-002')?.status,
    ).toBe('pass');
  });

  it('HARD-DOCKERIGNORE-003 measures the context against max-context-mb', () => {
    const context = { files: files('a'), totalBytes: 150e6 };
    expect(analyse({ context }).find((result) => result.id === 'HARD-DOCKERIGNORE-003')).toMatchObject({
      status: 'fail',
      measured: { files: 1, bytes: 150e6 },
    });
    expect(
      analyse({ context, inputs: { 'max-context-mb': '200' } }).find((result) => result.id === 'HARD-DOCKERIGNORE-003')
        ?.status,
    ).toBe('pass');
  });

  it('HARD-DOCKERIGNORE-004 fails secrets that would be sent, by name and content', () => {
    const context = {
      files: files(
        '.env',
        '.env.example',
        'certs/ca.pem',
        'deploy.key',
        'credentials/gcp.json',
        'node_modules/pkg/.env',
        'src/app.py',
      ),
      keyFiles: { 'certs/ca.pem': '-----BEGIN CERTIFICATE-----', 'deploy.key': '-----BEGIN EC PRIVATE KEY-----' },
    };
    expect(analyse({ context }).find((result) => result.id === 'HARD-DOCKERIGNORE-004')).toMatchObject({
      status: 'fail',
      measured: ['.env', 'deploy.key', 'credentials/gcp.json'],
    });
    expect(
      analyse({ context: { files: files('src/app.py', '.env.sample') } }).find(
        (result) => result.id === 'HARD-DOCKERIGNORE-004',
      )?.status,
    ).toBe('pass');
  });
});

describe('what a .dockerignore could not or should not keep out', () => {
  const file = (path: string) => ({ path, size: 100 });
  it('the build’s own Dockerfile, and what the Dockerfile copies by name, are not counted', () => {
    const results = analyse({
      dockerfile: 'FROM node:20\nCOPY ./test /test\nUSER 1000\n',
      context: { dir: '.', files: [file('test/cypress/Dockerfile'), file('test/specs/a.spec.js')] },
    }).filter((result) => result.id === 'HARD-DOCKERIGNORE-002');
    expect(results.map((result) => result.status)).toEqual(['pass']);
  });
  it('tests a broad COPY sends are still counted', () => {
    const results = analyse({
      dockerfile: 'FROM node:20\nCOPY . /app\nUSER 1000\n',
      context: { dir: '.', files: [file('src/app.js'), file('test/app.spec.js')] },
    }).filter((result) => result.id === 'HARD-DOCKERIGNORE-002');
    expect(results.map((result) => result.status)).toEqual(['fail']);
  });
});
