import type { Engine } from '../../src/docker/engine.js';
import { parseImageArchive } from '../../src/docker/image-archive.js';
import { readImageLayout } from '../../src/docker/image-layout.js';
import { CAPTURED_FILES, collectFilesystemEvidence, mergeLayers } from '../../src/evidence/filesystem.js';
import { scratchDir } from '../helpers/scratch.js';
import { ociArchive, ociLayoutDir, type FakeImage } from '../helpers/tar.js';

// The OCI layout a build writes beside --load (src/docker/image-layout.ts): the same evidence as
// the engine's export of the same image, or a refusal that sends the reader to that export.

const image: FakeImage = {
  layers: [
    [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
      { name: 'etc/secret', content: 'token' },
      { name: 'usr/bin/gcc', content: 'ELF', mode: 0o755 },
    ],
    [
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\ncsops:x:1000:1000::/home/csops:/bin/sh\n' },
      { name: 'etc/.wh.secret' },
      { name: 'app/', type: 'directory' },
      { name: 'app/main.py', content: 'print(2)', uid: 1000 },
    ],
    [{ name: 'app/config/', type: 'directory' }],
  ],
  history: [
    { created_by: 'base' },
    { created_by: 'RUN /bin/sh -c useradd csops # buildkit' },
    { created_by: 'ENV A=1', empty_layer: true },
    { created_by: 'RUN /bin/sh -c mkdir /app/config # buildkit' },
  ],
};

const capture = (path: string): boolean => CAPTURED_FILES.has(path);

describe.each(['gzip', 'none'] as const)('the build’s OCI layout, %s layers', (compression) => {
  it('gives the evidence the engine’s export of the same image gives, found by the config digest', async () => {
    const layout = await ociLayoutDir(scratchDir('layout'), image, { compression });
    const fromLayout = mergeLayers(await readImageLayout(layout.dir, layout.configDigest, { capture }));
    const exported = mergeLayers(
      await parseImageArchive(await ociArchive(image, { compression }), {
        capture,
        platform: { os: 'linux', architecture: 'amd64' },
      }),
    );
    expect(fromLayout.files).toEqual(exported.files);
    expect(fromLayout.layers).toEqual(exported.layers);
    expect(fromLayout.size).toEqual(exported.size);
    expect(fromLayout.passwd).toContain('csops:x:1000');
    expect(fromLayout.layers.map((layer) => layer.createdBy)).toEqual([
      'base',
      'RUN /bin/sh -c useradd csops # buildkit',
      'RUN /bin/sh -c mkdir /app/config # buildkit',
    ]);
    expect(fromLayout.layers.map((layer) => layer.compressedBytes !== null)).toEqual([
      compression === 'gzip',
      compression === 'gzip',
      compression === 'gzip',
    ]);
  });
});

describe('a layout the reader refuses', () => {
  it.each([
    ['a layer left out', { missingLayer: 1 }, /lacks layer sha256:/],
    ['a layer cut short', { truncatedLayer: 0 }, /holds \d+ of \d+ bytes of layer sha256:/],
  ])('%s', async (_, options, message) => {
    const layout = await ociLayoutDir(scratchDir('layout'), image, { compression: 'gzip', ...options });
    await expect(readImageLayout(layout.dir, layout.configDigest)).rejects.toThrow(message);
  });

  it('another image’s config, or no layout at all', async () => {
    const layout = await ociLayoutDir(scratchDir('layout'), image);
    await expect(readImageLayout(layout.dir, `sha256:${'0'.repeat(64)}`)).rejects.toThrow(
      /holds no manifest for config sha256:0+/,
    );
    await expect(readImageLayout(scratchDir('empty'), layout.configDigest)).rejects.toThrow(/wrote no layout/);
  });
});

describe('collectFilesystemEvidence with a build layout', () => {
  // Stands in for the engine's export only: what is tested is which source is read, and that a
  // refused layout sends the reader there with the reason said.
  const exportOf = (calls: string[]): Engine =>
    ({
      getImage: (name: string) => ({
        get: async () => {
          calls.push(name);
          return ociArchive(image, { compression: 'gzip' });
        },
      }),
    }) as unknown as Engine;
  const request = {
    image: 'sha256:image',
    workingDir: '/app',
    user: 'csops',
    platform: { os: 'linux', architecture: 'amd64' },
    measureCompressed: false,
  };

  it('reads the layout and never asks the engine', async () => {
    const calls: string[] = [];
    const layout = await ociLayoutDir(scratchDir('layout'), image, { compression: 'gzip' });
    const evidence = await collectFilesystemEvidence(exportOf(calls), { ...request, layout });
    expect(evidence.readFrom).toBe('build-output');
    expect(evidence.configuredUser).toMatchObject({ uid: 1000 });
    expect(calls).toEqual([]);
  });

  it('reads the engine’s export when the layout is incomplete, and says why', async () => {
    const calls: string[] = [];
    const said: string[] = [];
    const layout = await ociLayoutDir(scratchDir('layout'), image, { compression: 'gzip', missingLayer: 2 });
    const evidence = await collectFilesystemEvidence(exportOf(calls), {
      ...request,
      layout,
      info: (message) => said.push(message),
    });
    expect(evidence.readFrom).toBe('engine-export');
    expect(calls).toEqual(['sha256:image']);
    expect(said).toEqual([expect.stringMatching(/^reading the image from the engine instead: .*lacks layer sha256:/)]);
    expect(Object.keys(evidence.files)).toContain('/app/config');
  });
});
