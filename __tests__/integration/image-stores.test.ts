import { randomBytes } from 'node:crypto';
import { buildImage, layoutOutputSupported } from '../../src/docker/buildx.js';
import { connectEngine } from '../../src/docker/engine.js';
import { collectFilesystemEvidence } from '../../src/evidence/filesystem.js';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { byId, check as checkFully, exec } from '../helpers/run.js';
import { scratchDir, scratchTree } from '../helpers/scratch.js';

// What depends on the engine's image store (overlay2, or containerd's): the image's files are read
// from either export format, and its size is measured the same way on both. The suite runs on
// every engine users run (.ci/run), so each claim here is proven on each of them.

const check = (inputs: RawInputs) =>
  checkFully({
    'idle-seconds': '1',
    'max-stop-seconds': '1',
    'cache-probe': 'false',
    'hardened-run': 'false',
    ...inputs,
  });

async function engineFacts(): Promise<{ version: string; api: string; containerdStore: boolean; buildx: string }> {
  const info = await exec('docker', ['info', '--format', '{{.ServerVersion}}|{{json .DriverStatus}}']);
  const api = await exec('docker', ['version', '--format', '{{.Server.APIVersion}}']);
  const buildx = await exec('docker', ['buildx', 'version']);
  const [version, status] = info.stdout.trim().split('|');
  return {
    version: version,
    api: api.stdout.trim(),
    containerdStore: status.includes('io.containerd.snapshotter'),
    buildx: buildx.stdout.split(/\s+/)[1].replace(/^v/, ''),
  };
}

/** A FROM scratch image of two files of known size: 1 MB of random bytes, 250 kB of zeros. */
function knownSizeContext(): string {
  return scratchTree('size', {
    Dockerfile: 'FROM scratch\nCOPY random.bin zeros.bin /data/\n',
    'random.bin': randomBytes(1_000_000),
    'zeros.bin': Buffer.alloc(250_000),
  });
}

describe("the image's size, on this engine's image store", () => {
  it('is the bytes of its files unpacked, to the byte, whatever the store', async () => {
    const report = await check({ context: knownSizeContext(), 'hardened-run': 'false' });
    expect(report.metrics.imageSizeBytes).toBe(1_250_000);
    expect(byId(report, 'HARD-SIZE-001')).toMatchObject({ status: 'pass', measured: 1_250_000 });
    const { containerdStore } = await engineFacts();
    if (containerdStore) {
      // The store keeps the layer gzip-compressed: its stored size is what a pull transfers.
      expect(report.metrics.compressedSizeBytes).toBeGreaterThan(1_000_000);
      expect(report.metrics.compressedSizeBytes).toBeLessThan(1_010_000);
    } else {
      // overlay2 keeps layers uncompressed: not measured unless a limit asks for it.
      expect(report.metrics.compressedSizeBytes).toBeNull();
      expect(byId(report, 'HARD-SIZE-002').message).toMatch(/keeps the layers uncompressed \(overlay2\)/);
    }
  });

  it('has its compressed size measured and judged when a limit is set, on every store', async () => {
    const report = await check({ context: knownSizeContext(), 'max-compressed-size-mb': '0.9' });
    const compressed = report.metrics.compressedSizeBytes!;
    // Random bytes do not compress; zeros nearly vanish: a little over 1 MB whatever compresses it.
    expect(compressed).toBeGreaterThan(1_000_000);
    expect(compressed).toBeLessThan(1_010_000);
    expect(byId(report, 'HARD-SIZE-002')).toMatchObject({ status: 'fail', measured: compressed, target: 900_000 });
    expect(byId(report, 'HARD-SIZE-002').message).toMatch(
      (await engineFacts()).containerdStore
        ? /gzip, as the image store keeps the layers/
        : /gzip-compressed here as a push would send it/,
    );
  });
});

describe('the engine, named in the report', () => {
  it('gives its version, API version, image store and buildx version, as docker itself reports them', async () => {
    const report = await check({ context: knownSizeContext() });
    const facts = await engineFacts();
    expect(report.engine).toMatchObject({
      version: facts.version,
      apiVersion: facts.api,
      imageStore: facts.containerdStore ? 'containerd' : 'overlay2',
      buildx: facts.buildx,
    });
    expect(report.engine!.healthStartInterval).toBe(Number(facts.api.split('.')[1]) >= 44);
  });
});

describe('layers compressed with zstd', () => {
  it('are read from the export as they stream', async () => {
    const context = scratchTree('zstd', {
      Dockerfile:
        'FROM cs-hardening/busybox-tini:local\nRUN echo csops:x:1000:1000::/home/csops:/bin/sh >> /etc/passwd\nUSER 1000\nCMD ["sleep", "60"]\n',
    });
    const tag = `cs-hardening-test/zstd:${Date.now()}`;
    // The containerd store keeps what the build wrote: zstd layers. (overlay2 stores layers
    // unpacked and exports them uncompressed, whatever the build's compression.)
    const built = await exec('docker', [
      'buildx',
      'build',
      '--output',
      `type=image,name=${tag},compression=zstd,force-compression=true,oci-mediatypes=true`,
      context,
    ]);
    expect(built.code).toBe(0);
    try {
      const report = await check({ image: tag, context });
      expect(byId(report, 'HARD-USER-001')).toMatchObject({ status: 'pass', measured: 1000 });
      expect(report.metrics.imageSizeBytes).toBeGreaterThan(1_000_000); // busybox and tini
      if ((await engineFacts()).containerdStore)
        expect(byId(report, 'HARD-SIZE-002').message).toMatch(/\(zstd, as the image store keeps the layers\)$/);
      else expect(byId(report, 'HARD-SIZE-002').message).toMatch(/keeps the layers uncompressed/);
    } finally {
      await exec('docker', ['image', 'rm', tag]);
    }
  });
});

describe("the build's own layout (read instead of the engine's export where the builder can write it)", () => {
  it("is not asked of the overlay2 store's builder, which refuses it", async () => {
    const facts = await engineFacts();
    if (facts.containerdStore || Number(facts.version.split('.')[0]) < 26) return; // asserted in the next test
    const context = scratchTree('layout-refused', {
      Dockerfile: 'FROM cs-hardening/busybox-tini:local\nCMD ["true"]\n',
    });
    await expect(
      buildImage({
        context,
        dockerfile: `${context}/Dockerfile`,
        buildArgs: {},
        noCache: false,
        tags: [],
        layoutDir: scratchDir('layout-refused-out'),
      }),
    ).rejects.toThrow(/OCI exporter is not supported for the docker driver/);
  });

  it('holds the image the engine loaded, and gives the same evidence as its export', async () => {
    const facts = await engineFacts();
    const supported = layoutOutputSupported(facts.version, facts.buildx, '', facts.containerdStore);
    // Several outputs need BuildKit ≥ 0.13 (the default builder of Engine ≥ 26, not bookworm's
    // 20.10), and the docker driver writes an OCI layout only on the containerd store.
    expect(supported).toBe(Number(facts.version.split('.')[0]) >= 26 && facts.containerdStore);
    if (!supported) return;
    const context = scratchTree('layout', {
      Dockerfile:
        'FROM cs-hardening/busybox-tini:local\nRUN echo csops:x:1000:1000::/home/csops:/bin/sh >> /etc/passwd && rm /bin/vi\nCOPY random.bin /data/\nUSER 1000\nCMD ["sleep", "60"]\n',
      'random.bin': randomBytes(300_000),
    });
    const layoutDir = scratchDir('layout-out');
    const started = performance.now();
    const built = await buildImage({
      context,
      dockerfile: `${context}/Dockerfile`,
      buildArgs: {},
      noCache: false,
      tags: [],
      layoutDir,
    });
    const wall = (performance.now() - started) / 1000;
    expect(built.ok).toBe(true);
    expect(built.layout?.dir).toBe(layoutDir);
    expect(built.layout?.configDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    // The layout's export is the tool's work, not the build's: left out of its time (a small
    // layout may finish before the image's own export does, and then costs the build nothing).
    expect(built.layout!.exportSeconds).toBeGreaterThanOrEqual(0);
    expect(built.seconds + built.layout!.exportSeconds).toBeLessThanOrEqual(wall);
    const engine = await connectEngine();
    const inspected = await engine.getImage(built.imageId!).inspect();
    const request = {
      image: inspected.Id,
      workingDir: '/',
      user: '1000',
      platform: { os: 'linux', architecture: 'amd64' },
      measureCompressed: false,
    };
    const [fromLayout, exported] = await Promise.all([
      collectFilesystemEvidence(engine, {
        ...request,
        layout: built.layout!,
        info: (message) => {
          throw new Error(message);
        },
      }),
      collectFilesystemEvidence(engine, request),
    ]);
    expect(fromLayout.readFrom).toBe('build-output');
    expect(exported.readFrom).toBe('engine-export');
    expect(fromLayout.files).toEqual(exported.files);
    expect(fromLayout.files['/bin/vi']).toBeUndefined();
    expect(fromLayout.files['/data/random.bin']).toMatchObject({ size: 300_000, layer: fromLayout.layers.length - 1 });
    expect(fromLayout.layers.map(({ compressedBytes: _, ...layer }) => layer)).toEqual(
      exported.layers.map(({ compressedBytes: _, ...layer }) => layer),
    );
    expect(fromLayout.size.unpackedBytes).toBe(exported.size.unpackedBytes);
    // The containerd store's export holds the blobs the layout holds: the same compressed size.
    if (facts.containerdStore) expect(fromLayout.size).toEqual(exported.size);
    expect(fromLayout.configuredUser).toEqual(exported.configuredUser);
    await engine.getImage(inspected.Id).remove();
  });
});
