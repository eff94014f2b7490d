import { inferBuildContext, composeBuildContexts } from '../../src/run/infer-context.js';
import { analyse } from '../helpers/static.js';
import { scratchTree } from '../helpers/scratch.js';
import { join } from 'node:path';

// A Dockerfile `discover` finds has no context anyone named: what the repository says of it (a
// compose file that builds it), else where its COPY sources are, else its own directory — said to
// be a guess, so nothing about that context is asserted.

describe('the build context of a discovered Dockerfile', () => {
  it('is the repository root when its sources are there (docker build -f backend/docker/Dockerfile .)', () => {
    const root = scratchTree('infer-root', {
      'backend/docker/Dockerfile': 'FROM node:20\nCOPY backend/package.json ./\nCOPY ./backend/src/*.ts src/\n',
      'backend/package.json': '{}',
      'backend/src/main.ts': '',
      '.dockerignore': 'node_modules\n',
    });
    expect(inferBuildContext(join(root, 'backend/docker/Dockerfile'), root, new Map())).toEqual({
      dir: root,
      uncertain: null,
    });
  });

  it('is its own directory when its sources are there, or when it copies nothing', () => {
    const root = scratchTree('infer-own', {
      'svc/Dockerfile': 'FROM debian:12\nCOPY app.py /app/\n',
      'svc/app.py': '',
      'tool/Dockerfile': 'FROM debian:12\nRUN true\n',
    });
    expect(inferBuildContext(join(root, 'svc/Dockerfile'), root, new Map()).dir).toBe(join(root, 'svc'));
    expect(inferBuildContext(join(root, 'tool/Dockerfile'), root, new Map())).toEqual({
      dir: join(root, 'tool'),
      uncertain: null,
    });
  });

  it('is what a compose file of the repository builds it with, whatever its name', () => {
    const root = scratchTree('infer-compose', {
      '.ci/Dockerfile.cypress': 'FROM node:20\nCOPY package.json ./\n',
      '.ci/compose.cypress.yaml':
        'services:\n  cypress:\n    build:\n      context: ../\n      dockerfile: .ci/Dockerfile.cypress\n',
    });
    const contexts = composeBuildContexts([join(root, '.ci/compose.cypress.yaml')]);
    expect(inferBuildContext(join(root, '.ci/Dockerfile.cypress'), root, contexts)).toEqual({
      dir: root,
      uncertain: null,
    });
  });

  it('is a guess, said to be one, when its sources are under none of its directories', () => {
    const root = scratchTree('infer-guess', {
      'images/production/Containerfile': 'FROM python:3.12\nCOPY resources/core/nginx.conf /etc/nginx/\n',
    });
    const inferred = inferBuildContext(join(root, 'images/production/Containerfile'), root, new Map());
    expect(inferred.dir).toBe(join(root, 'images/production'));
    expect(inferred.uncertain).toMatch(/resources\/core\/nginx\.conf.*a guess/);
  });
});

describe('what is said of a context that is a guess', () => {
  it('is a notice naming the directory assumed, never a warning', () => {
    const results = analyse({
      dockerfile: 'FROM python:3.12\nUSER 1000\n',
      context: { dir: 'images/production', uncertain: 'its COPY/ADD sources (resources/x) are under none of …' },
    }).filter((result) => result.id === 'HARD-DOCKERIGNORE-001');
    expect(results.map((result) => [result.status, result.severity])).toEqual([['fail', 'notice']]);
    expect(results[0].message).toMatch(/^taking images\/production as the build context, which is a guess/);
  });
});
