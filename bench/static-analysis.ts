// Benchmark: static analysis (parse + every check + inline ignores) of 50 Dockerfiles and 20
// compose services together, as `--static-only` does per file. Inputs: the corpus (read in place)
// and the examples, cycled to reach the counts. Several rounds; median and spread.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { collected, skipped } from '../src/evidence/collected.js';
import { collectComposeEvidence, type ComposeEvidence } from '../src/evidence/compose.js';
import { memorySource } from '../src/evidence/compose/load.js';
import { parseDockerfile } from '../src/evidence/dockerfile.js';
import type { EvidenceSet } from '../src/evidence/types.js';
import { parseSettings } from '../src/inputs/resolve.js';
import { judgeEvidence } from '../src/judge.js';

export interface StaticBench {
  dockerfiles: number;
  composeServices: number;
  rounds: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

export function benchStaticAnalysis(corpus: string, rounds = 15): StaticBench {
  const sources = [
    ...(existsSync(corpus) ? walk(corpus) : []),
    'examples/hardened/Dockerfile',
    'examples/legacy/Dockerfile',
    'examples/hardened/docker-compose.yml',
  ];
  const dockerfileTexts = sources
    .filter((path) => /(^|\/)Dockerfile$/.test(path))
    .map((path) => readFileSync(path, 'utf8'));
  const composeTexts = sources
    .filter((path) => /(^|\/)(docker-)?compose\.ya?ml$/.test(path))
    .map((path) => readFileSync(path, 'utf8'));
  const dockerfiles = Array.from({ length: 50 }, (_, index) => dockerfileTexts[index % dockerfileTexts.length]);
  const settings = parseSettings({});
  const skip = skipped<never>('static mode');
  const analyseAll = (): number => {
    let services = 0;
    let findings = 0;
    const composeFiles: ComposeEvidence[] = [];
    for (let index = 0; services < 20; index++) {
      const project = collectComposeEvidence({
        workspace: '/bench',
        contextDir: `/bench/${index}`,
        given: [],
        env: {},
        source: memorySource({ [`/bench/${index}/compose.yaml`]: composeTexts[index % composeTexts.length] }),
      })!;
      composeFiles.push(project);
      services += project.services.length;
    }
    dockerfiles.forEach((text, index) => {
      const dockerfile = parseDockerfile(text, { path: `Dockerfile.${index}` });
      const compose = index < composeFiles.length ? collected(composeFiles[index]) : skip;
      const evidence: EvidenceSet = {
        dockerfile: collected(dockerfile),
        context: skip,
        compose,
        engine: skip,
        build: skip,
        rebuild: skip,
        cacheProbe: skip,
        image: skip,
        filesystem: skip,
        runtime: skip,
        composeUp: skip,
        vulnerabilities: skip,
        signatures: skip,
        attestations: skip,
      };
      findings += judgeEvidence(evidence, settings).results.length;
    });
    return findings;
  };
  analyseAll(); // warm-up: module and regex compilation, as a long-lived process would have them
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const started = performance.now();
    analyseAll();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  let services = 0;
  for (let index = 0; services < 20; index++) {
    const source = memorySource({ '/b/compose.yaml': composeTexts[index % composeTexts.length] });
    services += collectComposeEvidence({ workspace: '/b', contextDir: '/b', given: [], env: {}, source })!.services
      .length;
  }
  const round = (value: number): number => Math.round(value * 10) / 10;
  return {
    dockerfiles: dockerfiles.length,
    composeServices: services,
    rounds,
    medianMs: round(times[Math.floor(times.length / 2)]),
    minMs: round(times[0]),
    maxMs: round(times[times.length - 1]),
  };
}

if (process.argv[1]?.endsWith('static-analysis.js')) {
  const result = benchStaticAnalysis(process.env.CS_CORPUS_DIR ?? join(process.cwd(), '..', 'shared', 'corpus'));
  console.log(JSON.stringify(result));
}
