import { helpText, parseArgs } from '../../src/cli/args.js';
import { INPUT_NAMES } from '../../src/inputs/definitions.js';

describe('parseArgs', () => {
  it('maps every action input to a flag of the same name', () => {
    const command = parseArgs([
      'check',
      '--max-image-size-mb',
      '400',
      '--context=examples/hardened',
      '--fail-on',
      'warning',
    ]);
    expect(command).toEqual({
      kind: 'check',
      inputs: { 'max-image-size-mb': '400', context: 'examples/hardened', 'fail-on': 'warning' },
    });
  });

  it("understands design.md's spellings", () => {
    const command = parseArgs([
      'check',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B=2',
      '--json',
      'r.json',
      '--static-only',
      '--no-cache',
    ]);
    expect(command).toEqual({
      kind: 'check',
      inputs: { 'build-args': 'A=1\nB=2', 'report-file': 'r.json', mode: 'static', 'no-cache': 'true' },
    });
    expect(parseArgs(['check', '--no-cache', 'false'])).toEqual({ kind: 'check', inputs: { 'no-cache': 'false' } });
  });

  it('refuses unknown flags, stray arguments, missing values and repeats', () => {
    expect(() => parseArgs(['check', '--bogus'])).toThrow('unknown flag --bogus');
    expect(() => parseArgs(['check', 'examples'])).toThrow("unexpected argument 'examples'");
    expect(() => parseArgs(['check', '--context'])).toThrow('--context needs a value');
    expect(() => parseArgs(['check', '--context', '--file', 'x'])).toThrow('--context needs a value');
    expect(() => parseArgs(['check', '--target', 'a', '--target', 'b'])).toThrow('--target is given twice');
    expect(() => parseArgs(['lint'])).toThrow("unknown command 'lint'");
  });

  it('has help and version', () => {
    expect(parseArgs([])).toEqual({ kind: 'help' });
    expect(parseArgs(['check', '--help'])).toEqual({ kind: 'help' });
    expect(parseArgs(['--version'])).toEqual({ kind: 'version' });
    for (const name of INPUT_NAMES) expect(helpText()).toContain(`--${name}`);
  });
});
