import { parseImageArchive } from '../../src/docker/image-archive.js';
import { CAPTURED_FILES, mergeLayers } from '../../src/evidence/filesystem.js';
import { legacyArchive, ociArchive, type FakeImage } from '../helpers/tar.js';

const image: FakeImage = {
  layers: [
    [
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
      { name: 'etc/secret', content: 'token' },
      { name: 'app/', type: 'directory' },
      { name: 'app/old.py', content: 'print(1)' },
      { name: 'usr/bin/gcc', content: 'ELF', mode: 0o755 },
    ],
    [
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\ncsops:x:1000:1000::/home/csops:/bin/sh\n' },
      { name: 'etc/.wh.secret' },
      { name: 'app/.wh..wh..opq' },
      { name: 'app/new.py', content: 'print(2)', uid: 1000 },
      { name: 'usr/bin/passwd', content: 'ELF', mode: 0o4755 },
    ],
  ],
  history: [
    { created_by: 'base' },
    { created_by: 'ENV A=1', empty_layer: true },
    { created_by: 'RUN /bin/sh -c useradd csops # buildkit' },
  ],
};

describe.each([
  ['legacy (docker save ≤ 24)', legacyArchive],
  ['OCI (docker save ≥ 25)', ociArchive],
])('image archive, %s layout', (_, archive) => {
  it('merges layers with whiteouts and opaque directories, and names the layer of each file', async () => {
    const parsed = await parseImageArchive(await archive(image), { capture: (path) => CAPTURED_FILES.has(path) });
    const filesystem = mergeLayers(parsed);
    expect(Object.keys(filesystem.files).sort()).toEqual([
      '/app',
      '/app/new.py',
      '/etc',
      '/etc/passwd',
      '/usr/bin/gcc',
      '/usr/bin/passwd',
    ]);
    expect(filesystem.files['/usr/bin/gcc']).toMatchObject({ layer: 0, mode: 0o755, type: 'file' });
    expect(filesystem.files['/usr/bin/passwd']).toMatchObject({ layer: 1, mode: 0o4755 });
    expect(filesystem.files['/app/new.py']).toMatchObject({ layer: 1, uid: 1000, size: 8 });
    expect(filesystem.passwd).toContain('csops:x:1000');
    expect(filesystem.layers.map((layer) => layer.createdBy)).toEqual([
      'base',
      'RUN /bin/sh -c useradd csops # buildkit',
    ]);
    expect(filesystem.layers[0].sizeBytes).toBe(30 + 5 + 8 + 3); // passwd, secret, old.py, gcc
    expect(parsed.bytesRead).toBeGreaterThan(0);
  });
});

describe.each([
  ['gzip', { compression: 'gzip' as const }],
  ['zstd', { compression: 'zstd' as const }],
  ['gzip, layers before the index, attested', { compression: 'gzip' as const, layersFirst: true, attested: true }],
])("the containerd store's OCI layout: %s layers", (_, options) => {
  it('inflates the layers as they stream, skips the attestation, and keeps their stored size', async () => {
    const parsed = await parseImageArchive(await ociArchive(image, options), {
      capture: (path) => CAPTURED_FILES.has(path),
      platform: { os: 'linux', architecture: 'amd64' },
    });
    const filesystem = mergeLayers(parsed);
    expect(Object.keys(filesystem.files).sort()).toEqual([
      '/app',
      '/app/new.py',
      '/etc',
      '/etc/passwd',
      '/usr/bin/gcc',
      '/usr/bin/passwd',
    ]);
    expect(filesystem.passwd).toContain('csops:x:1000');
    expect(parsed.layers.map((layer) => layer.compression)).toEqual([options.compression, options.compression]);
    // What a pull transfers is what the store keeps: the compressed blobs, as stored.
    expect(filesystem.size).toMatchObject({
      unpackedBytes: 30 + 5 + 8 + 3 + 69 + 8 + 3,
      compressedFrom: 'store',
      layerCompression: options.compression,
    });
    expect(filesystem.size.compressedBytes).toBe(parsed.layers.reduce((sum, layer) => sum + layer.storedBytes, 0));
  });
});

describe('the compressed size of uncompressed layers', () => {
  it('is measured by compressing them as they stream, only when asked', async () => {
    const measured = mergeLayers(await parseImageArchive(await legacyArchive(image), { measureCompressed: true }));
    expect(measured.size.compressedFrom).toBe('gzip');
    expect(measured.size.compressedBytes).toBeGreaterThan(0);
    expect(measured.size.compressedBytes).toBe(measured.layers.reduce((sum, layer) => sum + layer.compressedBytes!, 0));
    const unmeasured = mergeLayers(await parseImageArchive(await legacyArchive(image)));
    expect(unmeasured.size).toMatchObject({
      compressedBytes: null,
      compressedFrom: 'not-measured',
      layerCompression: 'none',
    });
    expect(unmeasured.size.unpackedBytes).toBe(measured.size.unpackedBytes);
  });
});

describe('entry names', () => {
  it('keeps the leading dot of root-level whiteouts, with or without ./ (BuildKit writes none)', async () => {
    const filesystem = mergeLayers(
      await parseImageArchive(
        await legacyArchive({
          layers: [
            [
              { name: 'small', content: 'x' },
              { name: './.hidden', content: 'y' },
            ],
            [{ name: '.wh.small' }],
          ],
          history: [{ created_by: 'a' }, { created_by: 'b' }],
        }),
      ),
    );
    expect(Object.keys(filesystem.files)).toEqual(['/.hidden']);
  });
});

describe('layers that change nothing', () => {
  it('reads an empty layer (only end-of-archive blocks) as a layer, in both layouts', async () => {
    const image: FakeImage = {
      layers: [[{ name: 'a', content: 'x' }], []],
      history: [{ created_by: 'a' }, { created_by: 'WORKDIR /' }],
    };
    for (const archive of [legacyArchive, ociArchive]) {
      const filesystem = mergeLayers(await parseImageArchive(await archive(image)));
      expect(filesystem.layers.map((layer) => layer.entries)).toEqual([1, 0]);
    }
  });

  it('reads a layer that occurs twice (the engine writes the second as a symlink)', async () => {
    const twice: FakeImage = {
      layers: [[{ name: 'a', content: 'x' }], [], [{ name: 'b', content: 'y' }], []],
      history: [{ created_by: '1' }, { created_by: '2' }, { created_by: '3' }, { created_by: '4' }],
    };
    const filesystem = mergeLayers(await parseImageArchive(await legacyArchive(twice)));
    expect(filesystem.layers.map((layer) => layer.entries)).toEqual([1, 0, 1, 0]);
    expect(Object.keys(filesystem.files).sort()).toEqual(['/a', '/b']);
  });
});

describe('image archive errors', () => {
  it('says when the archive is not an image archive', async () => {
    const { Readable } = await import('node:stream');
    const tar = (await import('tar-stream')).default;
    const pack = tar.pack();
    pack.entry({ name: 'hello.txt' }, 'hi');
    pack.finalize();
    await expect(parseImageArchive(Readable.from(pack))).rejects.toThrow('neither manifest.json nor index.json');
  });
});
