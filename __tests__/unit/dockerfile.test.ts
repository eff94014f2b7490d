import { parseDockerfile, stageChain } from '../../src/evidence/dockerfile.js';
import { expandVariables } from '../../src/evidence/variables.js';

const source = [
  '# syntax=docker/dockerfile:1', // 1
  'ARG BASE_IMAGE=python:3.11-slim', // 2
  'ARG TAG', // 3
  'FROM ${BASE_IMAGE} AS builder', // 4
  'RUN apt-get update \\', // 5
  '    # a comment inside the continuation', // 6
  '    && apt-get install -y gcc', // 7
  'RUN <<EOT', // 8
  'set -e', // 9
  'echo "built"', // 10
  'EOT', // 11
  'FROM builder AS test', // 12
  'RUN make test', // 13
  'FROM ${BASE_IMAGE:-debian}:${TAG:-latest} AS final', // 14
  'COPY --from=builder --chown=csops:csops /opt/venv /opt/venv', // 15
  'USER 0:0', // 16
  'CMD ["python", "-m", "app"]', // 17
  'ENTRYPOINT tini -- x', // 18
].join('\n');

describe('parseDockerfile', () => {
  const parsed = parseDockerfile(source, { path: 'svc/Dockerfile' });

  it('resolves ARG-parameterised bases and stage references', () => {
    expect(parsed.stages.map((stage) => [stage.name, stage.base, stage.baseStage, stage.line])).toEqual([
      ['builder', 'python:3.11-slim', null, 4],
      ['test', 'builder', 0, 12],
      ['final', 'python:3.11-slim:latest', null, 14],
    ]);
    expect(parsed.globalArgs).toEqual({ BASE_IMAGE: 'python:3.11-slim', TAG: null });
    expect(parsed.finalStage).toBe(2);
  });

  it('lets build args override ARG defaults, and a target choose the stage', () => {
    const withArgs = parseDockerfile(source, {
      path: 'Dockerfile',
      buildArgs: { BASE_IMAGE: 'local/py' },
      target: 'test',
    });
    expect(withArgs.stages[0].base).toBe('local/py');
    expect(withArgs.finalStage).toBe(1);
    expect(stageChain(withArgs).map((stage) => stage.name)).toEqual(['builder', 'test']);
    expect(parseDockerfile(source, { path: 'Dockerfile', target: 'nope' }).finalStage).toBe(-1);
  });

  it('joins continuations without the comments inside them, keeping lines', () => {
    const run = parsed.stages[0].instructions[0];
    expect(run).toMatchObject({
      keyword: 'RUN',
      line: 5,
      endLine: 7,
      args: 'apt-get update && apt-get install -y gcc',
    });
  });

  it('keeps heredoc bodies whole', () => {
    const heredoc = parsed.stages[0].instructions[1];
    expect(heredoc).toMatchObject({
      keyword: 'RUN',
      line: 8,
      endLine: 11,
      args: '<<EOT',
      heredocs: ['set -e\necho "built"'],
    });
  });

  it('reads flags and the exec form', () => {
    const [copy, user, cmd, entrypoint] = parsed.stages[2].instructions;
    expect(copy).toMatchObject({ flags: { from: 'builder', chown: 'csops:csops' }, args: '/opt/venv /opt/venv' });
    expect(user).toMatchObject({ keyword: 'USER', args: '0:0', line: 16 });
    expect(cmd.exec).toEqual(['python', '-m', 'app']);
    expect(entrypoint.exec).toBeNull();
  });

  it('records what BuildKit would refuse', () => {
    expect(parseDockerfile('RUN echo\nFROM scratch\n', { path: 'D' }).syntaxErrors).toEqual([
      { line: 1, message: 'RUN before the first FROM (only ARG may come first)' },
    ]);
    expect(parseDockerfile('FROM scratch\nRUNN echo\n', { path: 'D' }).syntaxErrors).toEqual([
      { line: 2, message: "unknown instruction 'RUNN'" },
    ]);
    expect(parseDockerfile('# nothing\n', { path: 'D' }).syntaxErrors).toEqual([
      { line: 1, message: 'no FROM instruction' },
    ]);
  });
});

describe('expandVariables', () => {
  const lookup = (name: string): string | null =>
    (({ SET: 'value', EMPTY: '' }) as Record<string, string>)[name] ?? null;
  it.each([
    ['$SET', 'value'],
    ['${SET}:1', 'value:1'],
    ['${UNSET:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${SET:+alt}', 'alt'],
    ['${UNSET:+alt}', ''],
    ['$UNSET', ''],
  ])('%s → %j', (text, expected) => {
    expect(expandVariables(text, lookup)).toBe(expected);
  });
});
