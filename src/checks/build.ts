import { formatSeconds, plural } from '../util/format.js';
import { emulatedBuild, judgedUnderEmulation } from './emulated.js';
import { defineCheck } from './registry.js';

// Whether the image builds, and how long a clean build takes.

export const checkImageBuilds = defineCheck({
  id: 'HARD-BUILD-001',
  category: 'build',
  severity: 'error',
  title: 'The image builds',
  proves: 'The Dockerfile builds with buildx from the given context, target and build args.',
  why: 'A release cannot ship an image that does not build; every other check needs the image.',
  remediation: 'Read the build log tail in the message: it names the failing step and its output.',
  needs: ['build'],
  run({ build }) {
    if (!build.ok) {
      return {
        status: 'fail',
        message: `the build failed after ${formatSeconds(build.seconds)}:\n${build.logTail}`,
        measured: build.seconds,
      };
    }
    return {
      status: 'pass',
      message: `built in ${formatSeconds(build.seconds)} (${plural(build.steps.length, 'step')})`,
      measured: build.seconds,
    };
  },
});

export const checkCleanBuildTime = defineCheck({
  id: 'HARD-BUILD-002',
  category: 'build',
  severity: 'warning',
  title: 'Clean build time',
  proves: 'A build with no step from the cache finishes within max-build-seconds.',
  why: 'Slow builds delay every fix, including security fixes; the production profile targets under 5 minutes.',
  threshold: 'max-build-seconds: 300',
  remediation:
    'Order the Dockerfile so dependencies install before the application is copied, use a multi-stage build, and drop work the runtime image does not need.',
  needs: ['build'],
  run({ build }, { settings, evidence }) {
    const limit = settings.maxBuildSeconds;
    if (!build.ok) return { status: 'skip', message: 'the build failed, so no build time was measured' };
    const cached = build.steps.filter((step) => step.cached).length;
    if (cached > 0) {
      // A build that reused the cache is not a clean build: its time proves nothing about one.
      return {
        status: 'skip',
        message: `the build took ${formatSeconds(build.seconds)}, but ${cached} of ${build.steps.length} steps came from the cache, so that is not a clean build time; set no-cache: true to measure one`,
        measured: build.seconds,
        target: limit,
      };
    }
    const within = build.seconds <= limit;
    // Another platform's RUN steps run under the emulator.
    return judgedUnderEmulation(
      {
        status: within ? 'pass' : 'fail',
        message: `a clean build took ${formatSeconds(build.seconds)} (limit ${formatSeconds(limit)})`,
        measured: build.seconds,
        target: limit,
      },
      emulatedBuild(evidence),
      'the build time',
    );
  },
});
