import { checkNoShellOrPackageManager, findShellsAndPackageManagers } from '../../src/checks/tools.js';
import { checkNumericUser } from '../../src/checks/user.js';
import { runChecks } from '../../src/checks/registry.js';
import type { FileRecord } from '../../src/evidence/filesystem.js';
import { parseSettings, signatureProblem } from '../../src/inputs/resolve.js';
import { locateEvidence } from '../../src/judge.js';
import { recorded } from '../helpers/evidence.js';

// `profile: hardened-image`: only defaults and severities change, and what the user sets wins;
// HARD-TOOLS-005 finds shells and package managers from the image's files.

describe('the hardened-image profile', () => {
  it('changes the defaults it names, and nothing else', () => {
    const production = parseSettings({});
    const hardened = parseSettings({ profile: 'hardened-image' });
    expect({
      shell: hardened.shellAndPackageManager,
      numeric: hardened.numericUser,
      attestations: hardened.checkAttestations,
      verify: hardened.verifySignature,
    }).toEqual({ shell: 'error', numeric: 'error', attestations: true, verify: ['base'] });
    expect({
      shell: production.shellAndPackageManager,
      numeric: production.numericUser,
      attestations: production.checkAttestations,
      verify: production.verifySignature,
    }).toEqual({ shell: 'off', numeric: 'notice', attestations: false, verify: [] });
    const changed = Object.keys(hardened).filter(
      (key) =>
        JSON.stringify(hardened[key as keyof typeof hardened]) !==
        JSON.stringify(production[key as keyof typeof production]),
    );
    expect(changed.sort()).toEqual([
      'checkAttestations',
      'numericUser',
      'profile',
      'shellAndPackageManager',
      'verifySignature',
    ]);
  });

  it('gives way to what the user sets', () => {
    const settings = parseSettings({
      profile: 'hardened-image',
      'numeric-user': 'warning',
      'verify-signature': 'image',
    });
    expect([settings.numericUser, settings.verifySignature, settings.shellAndPackageManager]).toEqual([
      'warning',
      ['image'],
      'error',
    ]);
  });

  it('asks whom to trust before anything runs, and says the profile is why', () => {
    expect(signatureProblem(parseSettings({ profile: 'hardened-image' }), 'action', '/')).toBe(
      "verify-signature needs whom to trust (profile hardened-image verifies the base images' signatures): signature-key (a public key), or signature-identity with signature-issuer (keyless)",
    );
    expect(() => parseSettings({ profile: 'hardend-image' })).toThrow(
      /profile: 'hardend-image' is not one of production, hardened-image/,
    );
  });
});

describe('HARD-TOOLS-005', () => {
  const file = (
    path: string,
    type: FileRecord['type'],
    mode: number,
    layer = 0,
    linkname?: string,
  ): [string, FileRecord] => [
    path,
    { path, type, mode, uid: 0, gid: 0, size: 10, layer, ...(linkname ? { linkname } : {}) },
  ];

  it('finds shells and package managers that can run, on the PATH or in the usual places', () => {
    const files = Object.fromEntries([
      file('/bin/dash', 'file', 0o755),
      file('/bin/sh', 'symlink', 0o777, 0, 'dash'),
      file('/usr/bin/apt-get', 'file', 0o755, 1),
      file('/usr/bin/dpkg', 'file', 0o755, 1),
      file('/busybox', 'file', 0o755, 2),
      file('/opt/app/bin/sh', 'file', 0o755),
      file('/usr/share/doc/bash', 'file', 0o644),
      file('/usr/bin/rpm', 'file', 0o644),
    ]);
    expect(
      findShellsAndPackageManagers(files, ['PATH=/opt/app/bin:/usr/bin:/bin']).map(
        ({ kind, path }) => `${kind} ${path}`,
      ),
    ).toEqual([
      'shell /bin/dash',
      'shell /bin/sh',
      'shell /busybox',
      'shell /opt/app/bin/sh',
      'package manager /usr/bin/apt-get',
      'package manager /usr/bin/dpkg',
    ]);
  });

  const judged = (inputs: Record<string, string>, example: 'hardened' | 'legacy' = 'hardened') => {
    const { evidence } = recorded(example);
    return runChecks([checkNoShellOrPackageManager, checkNumericUser], evidence, {
      settings: parseSettings(inputs),
      locate: locateEvidence(evidence),
    });
  };

  it('is off in the production profile, and an error per layer in the hardened-image profile', () => {
    expect(judged({}).map((result) => [result.id, result.status, result.message])).toEqual([
      [
        'HARD-TOOLS-005',
        'skip',
        'shell-and-package-manager is off (profile production: a shell in the image is usual)',
      ],
      ['HARD-USER-005', expect.any(String), expect.any(String)],
    ]);
    const hardened = judged({ profile: 'hardened-image' });
    const tools = hardened.filter((result) => result.id === 'HARD-TOOLS-005');
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((result) => result.status === 'fail' && result.severity === 'error')).toBe(true);
    // The example's Debian base ships both: dash as /bin/sh, and dpkg/apt.
    const text = tools.map((result) => result.message).join('\n');
    expect(text).toMatch(/shell \/(usr\/)?bin\/sh/);
    expect(text).toMatch(/package manager \/usr\/bin\/dpkg/);
    expect(tools[0].location?.file).toMatch(/Dockerfile$/);
  });
});
