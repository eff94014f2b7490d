import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BuildSteps,
  RawJsonSplitter,
  isInstructionStep,
  type BuildStep,
  type RawStatus,
} from '../../src/docker/rawjson.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'build-progress');

// The shape BuildKit's --progress=rawjson writes (recorded from buildx 0.13.1): pretty-printed
// objects, one after another, then buildx's own error line.
const recorded = `{
  "vertexes": [
    {
      "digest": "sha256:aaa",
      "name": "[2/3] RUN echo \\"{not a brace}\\" && false",
      "started": "2026-11-25T23:24:40.135811663Z"
    }
  ]
}
{
  "logs": [
    { "vertex": "sha256:aaa", "stream": 2, "data": "${Buffer.from('compiling…\nerror: boom\n').toString('base64')}" }
  ]
}
{
  "vertexes": [
    {
      "digest": "sha256:aaa",
      "name": "[2/3] RUN echo \\"{not a brace}\\" && false",
      "started": "2026-11-25T23:24:40.135811663Z",
      "completed": "2026-11-25T23:24:40.352773081Z",
      "error": "process did not complete successfully: exit code: 1"
    },
    { "digest": "sha256:bbb", "name": "[1/3] COPY x /x", "cached": true, "completed": "2026-11-25T23:24:40.1Z" }
  ]
}
ERROR: failed to solve: process did not complete successfully: exit code: 1
`;

function split(chunks: string[]): { objects: RawStatus[]; text: string[] } {
  const objects: RawStatus[] = [];
  const text: string[] = [];
  const splitter = new RawJsonSplitter(
    (value) => objects.push(value),
    (line) => text.push(line),
  );
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { objects, text };
}

describe('RawJsonSplitter', () => {
  it('splits concatenated objects and text lines, whatever the chunking', () => {
    const whole = split([recorded]);
    expect(whole.objects).toHaveLength(3);
    expect(whole.text).toEqual(['ERROR: failed to solve: process did not complete successfully: exit code: 1']);
    // Byte-sized chunks, cutting through strings, escapes and braces.
    const bytes = split(recorded.split(''));
    expect(bytes).toEqual(whole);
    const uneven = split([recorded.slice(0, 97), recorded.slice(97, 400), recorded.slice(400)]);
    expect(uneven).toEqual(whole);
  });
});

describe('BuildSteps', () => {
  it('folds updates into one record per step, with logs and cache state', () => {
    const steps = new BuildSteps();
    for (const status of split([recorded]).objects) steps.apply(status);
    const [run, copy] = steps.all();
    expect(run).toMatchObject({
      name: '[2/3] RUN echo "{not a brace}" && false',
      error: 'process did not complete successfully: exit code: 1',
      cached: false,
      log: 'compiling…\nerror: boom\n',
    });
    expect(run.completed! - run.started!).toBe(217);
    expect(copy).toMatchObject({ name: '[1/3] COPY x /x', cached: true });
  });

  it('counts Dockerfile work steps only', () => {
    expect(isInstructionStep('[stage-1 2/6] RUN apt-get update')).toBe(true);
    expect(isInstructionStep('[builder 1/7] FROM docker.io/library/python:3.11-slim')).toBe(false);
    expect(isInstructionStep('[internal] load build definition from Dockerfile')).toBe(false);
    expect(isInstructionStep('exporting to image')).toBe(false);
  });
});

describe('recorded BuildKit progress of each buildx version', () => {
  // `ADD <url>` with the remote content changed between builds, then unchanged, recorded from the
  // engines users run (one compact object per line on 0.29, pretty-printed on 0.13).
  const steps = (version: string, name: string): BuildStep[] => {
    const folded = new BuildSteps();
    const text = readFileSync(join(FIXTURES, `buildx-${version}`, `add-url-${name}.rawjson`), 'utf8');
    for (const status of split([text]).objects) folded.apply(status);
    return folded.instructionSteps();
  };
  const versions = readdirSync(FIXTURES).map((dir) => dir.replace(/^buildx-/, ''));

  it('has recordings of buildx 0.13 (Engine 20.10) and 0.29 (Docker 28)', () => {
    expect(versions.sort()).toEqual(['0.13', '0.29']);
  });

  it.each(versions)(
    'buildx %s: one step per instruction, re-run when the remote content changed, cached when it did not',
    (version) => {
      const first = steps(version, 'first');
      expect(first.map((step) => step.name)).toEqual(['[2/2] ADD http://build-info.example/info /srv/build-info.txt']);
      expect(first[0].cached).toBe(false);
      const changed = steps(version, 'rebuild');
      expect(changed).toHaveLength(1);
      expect(changed[0].cached).toBe(false);
      expect(changed[0].completed).not.toBeNull();
      const same = steps(version, 'same');
      expect(same).toHaveLength(1);
      // The layer came from the cache on both (0.29 re-runs the fetch, named like the instruction).
      expect(same[0].cached).toBe(true);
    },
  );
});
