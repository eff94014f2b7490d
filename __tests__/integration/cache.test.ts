import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { byId, check, fixture, REPO } from '../helpers/run.js';

const quick = { 'idle-seconds': '1', 'max-stop-seconds': '1', 'hardened-run': 'false' };

describe('cache', () => {
  it('fails a Dockerfile that copies the app before installing dependencies, naming the COPY', async () => {
    const before = readFileSync(`${REPO}/${fixture('cache-bad-order')}/app/main.py`, 'utf8');
    const report = await check({ context: fixture('cache-bad-order'), ...quick });
    const ordering = byId(report, 'HARD-CACHE-002');
    expect(ordering.status).toBe('fail');
    expect(ordering.message).toBe(
      'changing app/main.py re-ran `RUN pip install --no-cache-dir --no-index -r requirements.txt` (line 8): `COPY . .` (line 7) copies application code before it',
    );
    expect(ordering.location?.line).toBe(7);
    // The probe worked on a copy: the user's file is untouched.
    expect(readFileSync(`${REPO}/${fixture('cache-bad-order')}/app/main.py`, 'utf8')).toBe(before);
  });

  it('reads an install in exec form as the install it is', async () => {
    const report = await check({ context: fixture('cache-bad-order-exec'), ...quick });
    expect(byId(report, 'HARD-CACHE-002')).toMatchObject({
      status: 'fail',
      message:
        'changing app/main.py re-ran `RUN ["pip", "install", "--no-cache-dir", "--no-index", "-r", "requirements.txt"]` (line 8): `COPY . .` (line 7) copies application code before it',
      location: { line: 7 },
    });
  });

  it('passes the right order, with the steps that re-ran', async () => {
    const report = await check({ context: fixture('cache-good-order'), ...quick });
    expect(byId(report, 'HARD-CACHE-002')).toMatchObject({
      status: 'pass',
      message: 'changing app/main.py re-ran 1 step of 5, no dependency install: COPY app ./app',
    });
    expect(byId(report, 'HARD-CACHE-001').status).toBe('pass');
    expect(report.metrics.cachedBuildSeconds).toBeLessThan(30);
  });

  it('fails a rebuild that cannot be cached', async () => {
    let served = 0;
    const server = createServer((_, response) => response.end(`build ${++served} ${Date.now()}\n`));
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      // The engine's default bridge gateway is this host, as BuildKit (docker driver) sees it.
      const report = await check({
        context: fixture('cache-remote-add'),
        'build-args': `SOURCE_URL=http://172.17.0.1:${port}/info`,
        ...quick,
      });
      const rebuild = byId(report, 'HARD-CACHE-001');
      expect(rebuild.status).toBe('fail');
      expect(rebuild.message).toMatch(/^with nothing changed, 1 step of 1 re-ran: \[2\/2\] ADD/);
      expect(rebuild.location?.line).toBe(6);
      expect(served).toBeGreaterThanOrEqual(2);
    } finally {
      server.close();
    }
  });

  it('skips the probe when asked, and says so', async () => {
    const report = await check({ context: fixture('cache-good-order'), ...quick, 'cache-probe': 'false' });
    expect(byId(report, 'HARD-CACHE-002')).toMatchObject({ status: 'skip', message: 'cache-probe is off' });
  });
});
