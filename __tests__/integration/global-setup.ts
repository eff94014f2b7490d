import { execFileSync } from 'node:child_process';

// Integration tests need a real engine. Where none answers they fail, with what to do; they never
// skip silently (under CI=true or not): a green run must mean the engine tests ran.
export default function globalSetup(): void {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: 'pipe', timeout: 15_000 });
  } catch (error) {
    const why = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n').pop() ?? String(error);
    throw new Error(
      `No Docker engine answers (${why}). The integration tests build and run real images; ` +
        'start one with scripts/setup-engine.sh (as root on Debian), or run only the unit tests with npm run test:unit.' +
        (process.env.CI === 'true' ? ' CI=true: this is a failure, not a skip.' : ''),
      { cause: error },
    );
  }
}
