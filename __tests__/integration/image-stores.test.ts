import { randomBytes } from 'node:crypto';
import type { RawInputs } from '../../src/inputs/config-file.js';
import { byId, check as checkFully, exec } from '../helpers/run.js';
import { scratchTree } from '../helpers/scratch.js';

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
