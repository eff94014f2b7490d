import { join } from 'node:path';
import { boolean, keyValues, list, number, oneOf } from '../../src/inputs/kinds.js';
import { resolveOptions } from '../../src/inputs/resolve.js';
import { planTargets } from '../../src/run/plan.js';
import { readActionInputs } from '../../src/action/inputs.js';
import { scratchTree } from '../helpers/scratch.js';

const workspace = (files: Record<string, string>): string => scratchTree('inputs', files);

describe('input kinds', () => {
  it('parses numbers strictly and names the input in errors', () => {
    const megabytes = number({ unit: 'megabytes' });
    expect(megabytes.parse('500', 'max-image-size-mb')).toBe(500);
    expect(megabytes.parse(' 12.5 ', 'max-image-size-mb')).toBe(12.5);
    expect(() => megabytes.parse('500XB', 'max-image-size-mb')).toThrow("max-image-size-mb: '500XB' is not a number");
    expect(() => megabytes.parse('-1', 'max-image-size-mb')).toThrow('max-image-size-mb: -1 is below 0');
    expect(() => megabytes.parse('', 'max-image-size-mb')).toThrow('is not a number');
    expect(() => number({ integer: true }).parse('2.5', 'max-layers')).toThrow(
      "max-layers: '2.5' is not a whole number",
    );
  });

  it('accepts the YAML 1.2 core booleans only', () => {
    expect(boolean.parse('true', 'no-cache')).toBe(true);
    expect(boolean.parse('FALSE', 'no-cache')).toBe(false);
    expect(() => boolean.parse('yes', 'no-cache')).toThrow("no-cache: 'yes' is not a boolean");
  });

  it('checks choices', () => {
    expect(oneOf(['error', 'warning', 'never']).parse('warning', 'fail-on')).toBe('warning');
    expect(() => oneOf(['error', 'warning', 'never']).parse('sometimes', 'fail-on')).toThrow(
      "fail-on: 'sometimes' is not one of error, warning, never",
    );
  });

  it('splits lists and KEY=VALUE lines', () => {
    expect(list.parse('gcc, make\ncmake,,', 'forbidden-tools')).toEqual(['gcc', 'make', 'cmake']);
    expect(keyValues.parse('A=1\nB=x=y,z\n', 'build-args')).toEqual({ A: '1', B: 'x=y,z' });
    expect(() => keyValues.parse('novalue', 'build-args')).toThrow("build-args: 'novalue' is not KEY=VALUE");
  });
});

describe('resolveOptions', () => {
  it('applies defaults, then the repository config, then the context config, then inputs', async () => {
    const root = workspace({
      '.github/container-hardening.yml': 'max-image-size-mb: 400\nmax-layers: 12\nexpected-user: app\n',
      'svc/Dockerfile': 'FROM scratch\n',
      'svc/.container-hardening.yml': 'max-layers: 15\nbuild-args:\n  BASE_IMAGE: python:3.11-slim\n',
    });
    const options = await resolveOptions({ context: 'svc', 'expected-user': 'csops' }, root);
    expect(options.settings.maxImageSizeMb).toBe(400); // repository config
    expect(options.settings.maxLayers).toBe(15); // context config over repository config
    expect(options.settings.expectedUser).toBe('csops'); // input over both
    expect(options.settings.maxBuildSeconds).toBe(300); // default
    expect(options.settings.expectedUid).toBeNull(); // unset number stays unset
    expect(options.settings.buildArgs).toEqual({ BASE_IMAGE: 'python:3.11-slim' });
    expect(options.dockerfilePath).toBe(join(root, 'svc/Dockerfile'));
    expect(options.configFiles).toEqual(['.github/container-hardening.yml', 'svc/.container-hardening.yml']);
  });

  it('names the file, line and key of a bad config entry', async () => {
    const root = workspace({ Dockerfile: 'FROM scratch\n', 'cfg.yml': 'max-layers: 12\nmax-size: 3\n' });
    await expect(resolveOptions({ config: 'cfg.yml' }, root)).rejects.toThrow(
      "config cfg.yml:2: unknown key 'max-size'",
    );
    const bad = workspace({ Dockerfile: 'FROM scratch\n', 'cfg.yml': 'max-layers: [\n' });
    await expect(resolveOptions({ config: 'cfg.yml' }, bad)).rejects.toThrow('config cfg.yml:');
    const badValue = workspace({
      Dockerfile: 'FROM scratch\n',
      '.github/container-hardening.yml': 'max-layers: lots\n',
    });
    await expect(resolveOptions({}, badValue)).rejects.toThrow("max-layers: 'lots' is not a whole number");
  });

  it('refuses a context config that moves the context, and an explicit config that is missing', async () => {
    const root = workspace({ 'svc/Dockerfile': 'FROM scratch\n', 'svc/.container-hardening.yml': 'context: ..\n' });
    await expect(resolveOptions({ context: 'svc' }, root)).rejects.toThrow("'context' cannot be set in this file");
    await expect(
      resolveOptions({ context: 'svc', config: 'missing.yml' }, workspace({ 'svc/Dockerfile': 'FROM scratch' })),
    ).rejects.toThrow('config: cannot read missing.yml (ENOENT)');
  });

  it('reports a missing context or Dockerfile in one line, naming flags in the CLI and inputs in the action', async () => {
    const root = workspace({ 'empty/.keep': '' });
    await expect(resolveOptions({ context: 'nowhere' }, root)).rejects.toThrow(
      "context: directory 'nowhere' does not exist",
    );
    await expect(planTargets(await resolveOptions({ context: 'empty' }, root, 'cli'))).rejects.toThrow(
      "no Dockerfile and no compose file in context 'empty'; give --file <path>, --image <ref>, --targets <paths> or --discover true",
    );
    await expect(planTargets(await resolveOptions({ context: 'empty' }, root, 'action'))).rejects.toThrow(
      "no Dockerfile and no compose file in context 'empty'; give file: <path>, image: <ref>, targets: <paths> or discover: true",
    );
    await expect(resolveOptions({ context: 'empty', file: 'Dockerfile.prod' }, root, 'cli')).rejects.toThrow(
      "--file 'Dockerfile.prod' does not exist",
    );
    const options = await resolveOptions({ context: 'empty', image: 'app:1' }, root);
    expect(options.dockerfilePath).toBeNull();
  });
});

describe('readActionInputs', () => {
  it('reads INPUT_<NAME> with hyphens kept, ignoring empty values', () => {
    const raw = readActionInputs({
      'INPUT_MAX-IMAGE-SIZE-MB': '400',
      INPUT_CONTEXT: 'examples/hardened',
      INPUT_TARGET: '',
      INPUT_UNRELATED: 'x',
    });
    expect(raw).toEqual({ 'max-image-size-mb': '400', context: 'examples/hardened' });
  });
});

describe('the plan of a run', () => {
  const repo = (): string =>
    workspace({
      'app/Dockerfile': 'FROM scratch\nCOPY x /x\n',
      'app/compose.yaml': 'services:\n  web:\n    build: .\n  db:\n    image: postgres:16.4\n',
      'worker/Dockerfile': 'FROM scratch\n',
      'scans/app.json': '{"SchemaVersion": 2, "Results": []}',
      'scans/worker.json': '{"matches": []}',
    });

  it("treats the context's image as its Dockerfile's build: the compose service that builds it is not built again", async () => {
    const root = repo();
    const built = await planTargets(await resolveOptions({ context: 'app' }, root));
    expect(built.targets.map((target) => [target.name, target.source.kind, target.services])).toEqual([
      ['app', 'build', ['app/compose.yaml#web']],
    ]);
    const given = await planTargets(await resolveOptions({ context: 'app', image: 'app:1.0' }, root));
    expect(given.targets.map((target) => [target.name, target.source.kind, target.services])).toEqual([
      ['app:1.0', 'image', ['app/compose.yaml#web']],
    ]);
  });

  it('gives each target its scanner report, and refuses one it cannot place', async () => {
    const root = repo();
    const one = await planTargets(
      await resolveOptions({ context: 'app', 'vulnerability-report': 'scans/app.json' }, root),
    );
    expect(one.targets[0].vulnerabilityReports).toEqual({ current: join(root, 'scans/app.json'), baseline: null });
    const targets = 'app=app\nworker=worker';
    const two = await planTargets(
      await resolveOptions({ targets, 'vulnerability-report': 'app=scans/app.json\nworker=scans/worker.json' }, root),
    );
    expect(two.targets.map((target) => [target.name, target.vulnerabilityReports.current])).toEqual([
      ['app', join(root, 'scans/app.json')],
      ['worker', join(root, 'scans/worker.json')],
    ]);
    await expect(
      planTargets(await resolveOptions({ targets, 'vulnerability-report': 'scans/app.json' }, root)),
    ).rejects.toThrow('vulnerability-report: this run has 2 images (app, worker); give each report as name=path');
    await expect(
      planTargets(await resolveOptions({ targets, 'vulnerability-report': 'api=scans/app.json' }, root)),
    ).rejects.toThrow("vulnerability-report: 'api' is not a target of this run (targets: app, worker); give name=path");
    await expect(
      planTargets(await resolveOptions({ context: 'app', 'baseline-vulnerability-report': 'scans/app.json' }, root)),
    ).rejects.toThrow('baseline-vulnerability-report for app without a vulnerability-report');
  });
});
