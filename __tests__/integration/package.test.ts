import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec, REPO } from '../helpers/run.js';
import { scratchDir } from '../helpers/scratch.js';

// The CLI as users install it: `npm pack`, then `npm install` of the tarball in an empty project.
// The bundle carries everything it runs, so the package has no dependency to fetch and no
// install script to approve; the README's `npx cs-docker-hardening` then works as written.

describe('the packed CLI', () => {
  it('installs alone (no dependencies, no install scripts) and runs through npx', async () => {
    const dir = scratchDir('package');
    const packed = await exec('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: REPO });
    expect({ code: packed.code, stderr: packed.code === 0 ? '' : packed.stderr }).toEqual({ code: 0, stderr: '' });
    const tarball = join(dir, packed.stdout.trim().split('\n').pop()!);

    const project = join(dir, 'project');
    await exec('mkdir', ['-p', project]);
    await exec('npm', ['init', '-y'], { cwd: project });
    const installed = await exec(
      'npm',
      ['install', tarball, '--no-audit', '--no-fund', '--foreground-scripts', '--offline'],
      { cwd: project },
    );
    expect({ code: installed.code, stderr: installed.code === 0 ? '' : installed.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    expect(installed.stdout).toMatch(/added 1 package/);
    expect(readdirSync(join(project, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual([
      'cs-docker-hardening',
    ]);
    const manifest = JSON.parse(
      readFileSync(join(project, 'node_modules/cs-docker-hardening/package.json'), 'utf8'),
    ) as { dependencies?: object; scripts?: Record<string, string>; bin: Record<string, string> };
    expect(manifest.dependencies ?? {}).toEqual({});
    for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
      expect([hook, manifest.scripts?.[hook]]).toEqual([hook, undefined]);
    expect(manifest.bin).toEqual({ 'cs-docker-hardening': 'dist/cli.js' });

    const version = await exec('npx', ['--no-install', 'cs-docker-hardening', '--version'], { cwd: project });
    expect(version.stdout.trim()).toMatch(/^cs-docker-hardening \d+\.\d+\.\d+$/);
    const check = await exec(
      'npx',
      ['--no-install', 'cs-docker-hardening', 'check', '--static-only', '--context', join(REPO, 'examples/legacy')],
      { cwd: project },
    );
    expect(check.code).toBe(1); // the legacy example fails its file checks
    expect(check.stdout).toMatch(/HARD-DOCKERFILE-001/);
  });
});
