import { composeProjectPattern } from '../../src/docker/throwaway.js';
import { stackProject } from '../../src/evidence/runtime/stack.js';

// What a cancelled or crashed run sweeps: every compose project it may have made, by name (they
// carry no label of the run), and none of another run's.

describe('composeProjectPattern', () => {
  const run = 'a1b2c3d4';
  it("matches every stack project of the run: a target's, its baseline's, each platform's", () => {
    for (const scope of ['1', '2', '1b', '1-linux-arm64', '1-linux-arm-v7', '1-linux-amd64b'])
      expect(composeProjectPattern(run).test(stackProject(run, scope))).toBe(true);
    expect(composeProjectPattern(run).test(`cs-hardening-${run}`)).toBe(true);
  });

  it("matches no other run's project, and no project of the user's", () => {
    expect(composeProjectPattern(run).test(stackProject('e5f6a7b8', '1-linux-arm64'))).toBe(false);
    expect(composeProjectPattern(run).test(`cs-hardening-${run}x-1d`)).toBe(false);
    expect(composeProjectPattern(run).test('myapp')).toBe(false);
    expect(composeProjectPattern(run).test(`cs-hardening-${run}-`)).toBe(false);
  });
});
