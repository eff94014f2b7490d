import { randomBytes } from 'node:crypto';
import type { RawInputs } from '../../src/inputs/config-file.js';
import type { Report } from '../../src/model.js';
import { byId, checkRun, exec, leftovers } from '../helpers/run.js';

// An image named by registry reference (`image:`) and proven for several platforms: its index is
// read from the registry, and each platform is a target of its own whose image is that platform's
// manifest, pulled by digest (one image of one platform, with its own ID, on either image store).
// A platform the index has no image of is not proven — never passed — and says which it has.
// The local registry's busybox-tini holds linux/amd64 and linux/arm64; linux/arm64 runs under the
// QEMU emulation registered on this machine (not on an arm64 one: the native one is amd64 there).
// In the `emulated` project: the index and the emulator are what `CS_PLATFORMS=linux/arm64
// scripts/setup-engine.sh` sets up, which a plain `npm test` does not.

const REFERENCE = '127.0.0.1:5000/cs-hardening/busybox-tini:local';
const REPOSITORY = '127.0.0.1:5000/cs-hardening/busybox-tini';
const NATIVE = process.arch === 'arm64' ? 'linux/arm64' : 'linux/amd64';
const OTHER = NATIVE === 'linux/amd64' ? 'linux/arm64' : 'linux/amd64';
const quick: RawInputs = {
  image: REFERENCE,
  'idle-seconds': '1',
  'max-stop-seconds': '1',
  'cache-probe': 'false',
  'hardened-run': 'false',
};

/** The index's manifest digest of each platform, as the registry serves it. */
async function platformDigests(): Promise<Record<string, string>> {
  const raw = await exec('docker', ['buildx', 'imagetools', 'inspect', '--raw', REFERENCE]);
  if (raw.code !== 0) throw new Error(`imagetools inspect ${REFERENCE}: ${raw.stderr}`);
  const index = JSON.parse(raw.stdout) as {
    manifests: { digest: string; platform: { os: string; architecture: string } }[];
  };
  return Object.fromEntries(
    index.manifests.map((entry) => [`${entry.platform.os}/${entry.platform.architecture}`, entry.digest]),
  );
}

/** Removes the images the runs pulled by digest (the engine keeps what it pulls, as `docker run` does). */
async function removePulled(digests: Record<string, string>): Promise<void> {
  for (const digest of Object.values(digests)) await exec('docker', ['image', 'rm', `${REPOSITORY}@${digest}`]);
}

afterEach(async () => {
  expect(await leftovers()).toEqual([]);
});

describe('platforms of an image named by registry reference', () => {
  it('proves each platform of its index, pinned by digest, the foreign one under emulation', async () => {
    const digests = await platformDigests();
    try {
      const started = Date.now();
      const report: Report = await checkRun({ ...quick, platforms: `${OTHER},${NATIVE}` });
      const seconds = (Date.now() - started) / 1000;
      // How long the two-platform run takes here (the emulated one dominates).
      process.stdout.write(`image platforms: ${NATIVE} and ${OTHER} in ${seconds.toFixed(1)} s\n`);
      const [native, other] = report.targets;
      // The engine's own platform first (the principal), as for a build.
      expect(report.targets.map((target) => [target.name, target.platformOf, target.target.platform])).toEqual([
        [`${REFERENCE} (${NATIVE})`, REFERENCE, NATIVE],
        [`${REFERENCE} (${OTHER})`, REFERENCE, OTHER],
      ]);
      // The reference as given, with its platform's digest; each its own image.
      expect(native.target.image).toBe(`${REFERENCE}@${digests[NATIVE]}`);
      expect(other.target.image).toBe(`${REFERENCE}@${digests[OTHER]}`);
      expect(native.target.repoDigests).toContain(`${REPOSITORY}@${digests[NATIVE]}`);
      expect(other.target.repoDigests).toContain(`${REPOSITORY}@${digests[OTHER]}`);
      expect(native.target.imageId).not.toBe(other.target.imageId);
      // Both proven: their image checks judged, none said to be not proven.
      for (const target of [native, other]) {
        expect(byId(target, 'HARD-USER-001').status).not.toBe('error');
        expect(target.checks.filter((check) => /not proven/.test(check.message))).toEqual([]);
      }
      expect(native.metrics.emulated).toBeUndefined();
      expect(other.metrics.emulated?.runtime).toMatch(new RegExp(`^${OTHER} on this`));
      expect(report.notes.filter((note) => /platforms/.test(note))).toEqual([]);
    } finally {
      await removePulled(digests);
    }
  });

  it('says a platform its index does not have is not proven, naming the ones it has', async () => {
    const digests = await platformDigests();
    try {
      const report: Report = await checkRun({ ...quick, platforms: `${NATIVE},linux/s390x` });
      const [native, s390x] = report.targets;
      expect(report.targets.map((target) => [target.name, target.target.platform])).toEqual([
        [`${REFERENCE} (${NATIVE})`, NATIVE],
        [`${REFERENCE} (linux/s390x)`, 'linux/s390x'],
      ]);
      expect(byId(native, 'HARD-USER-001').status).not.toBe('error');
      // Not proven: every check that needed its image says why, never a pass; the verdict is not judged.
      expect(s390x.passed).toBe(false);
      expect(s390x.target.image).toBe(REFERENCE);
      expect(s390x.target.imageId).toBeNull();
      for (const id of ['HARD-SIZE-001', 'HARD-USER-001', 'HARD-STARTUP-001']) {
        expect(byId(s390x, id).status).toBe('error');
        expect(byId(s390x, id).message).toContain(
          `not proven: ${REFERENCE} has no linux/s390x variant (it has: linux/amd64, linux/arm64)`,
        );
      }
      expect(s390x.checks.some((check) => check.status === 'pass')).toBe(false);
    } finally {
      await removePulled(digests);
    }
  });

  it('proves a single-platform image for its own platform only', async () => {
    const digests = await platformDigests();
    // The native platform's image alone, pushed under a tag of this test's own: a manifest, no index.
    const repository = `127.0.0.1:5000/cs-hardening-test/single-${randomBytes(4).toString('hex')}`;
    const single = `${repository}:1`;
    const pulled: string[] = [];
    const must = async (args: string[]): Promise<void> => {
      const result = await exec('docker', args);
      if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: ${result.stderr}`);
    };
    try {
      await must(['pull', '-q', `${REPOSITORY}@${digests[NATIVE]}`]);
      await must(['tag', `${REPOSITORY}@${digests[NATIVE]}`, single]);
      await must(['push', '-q', single]);
      await must(['image', 'rm', single]);
      // Its digest as pushed: the classic store pushes it as a Docker manifest, another digest.
      const pushed = await exec('docker', [
        'buildx',
        'imagetools',
        'inspect',
        single,
        '--format',
        '{{json .Manifest}}',
      ]);
      const { digest } = JSON.parse(pushed.stdout) as { digest: string };
      pulled.push(`${repository}@${digest}`);
      const report: Report = await checkRun({ ...quick, image: single, platforms: `${OTHER},${NATIVE}` });
      const [native, other] = report.targets;
      expect(report.targets.map((target) => [target.name, target.target.platform])).toEqual([
        [`${single} (${NATIVE})`, NATIVE],
        [`${single} (${OTHER})`, OTHER],
      ]);
      expect(native.target.image).toBe(`${single}@${pulled[0].split('@')[1]}`);
      expect(byId(native, 'HARD-USER-001').status).not.toBe('error');
      expect(byId(other, 'HARD-USER-001').status).toBe('error');
      expect(byId(other, 'HARD-USER-001').message).toContain(
        `not proven: ${single} is a single-platform image, not an index: it has no ${OTHER} variant (it has: ${NATIVE})`,
      );
    } finally {
      await exec('docker', ['image', 'rm', single, ...pulled]);
      await removePulled(digests);
    }
  });
});
