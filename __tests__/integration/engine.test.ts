import { createConnection, createServer, type Socket } from 'node:net';
import { buildImage } from '../../src/docker/buildx.js';
import { connectEngine, engineAddress } from '../../src/docker/engine.js';
import { collectFilesystemEvidence } from '../../src/evidence/filesystem.js';
import { byId, check, exec, fixture, REPO } from '../helpers/run.js';

/** A TCP front for the engine's Unix socket that counts connections: proof DOCKER_HOST is used. */
async function countingProxy(): Promise<{ close: () => void; address: string; connections: () => number }> {
  let count = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    count++;
    const engine = createConnection('/var/run/docker.sock');
    sockets.add(client).add(engine);
    client.pipe(engine).pipe(client);
    client.on('error', () => engine.destroy());
    engine.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  // Keep-alive connections would outlive server.close(): end them too.
  const close = (): void => {
    server.close();
    for (const socket of sockets) socket.destroy();
  };
  return { close, address: `tcp://127.0.0.1:${port}`, connections: () => count };
}

describe('DOCKER_HOST', () => {
  const saved = process.env.DOCKER_HOST;
  afterEach(() => {
    if (saved === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = saved;
  });

  it('is honoured by the engine API client and by the buildx CLI', async () => {
    const proxy = await countingProxy();
    try {
      process.env.DOCKER_HOST = proxy.address;
      const report = await check({ context: fixture('user-nonroot') });
      expect(byId(report, 'HARD-USER-001').status).toBe('pass');
      // ping + build (buildx CLI) + inspect + save all went through the proxy.
      expect(proxy.connections()).toBeGreaterThanOrEqual(4);
    } finally {
      proxy.close();
    }
  });

  it("is taken from the docker CLI's current context when unset, so the API and the CLI speak to one engine", async () => {
    // docker/setup-docker-action's way: a context of its own, made current, DOCKER_HOST unset.
    const proxy = await countingProxy();
    const name = `cs-test-${process.pid}`;
    const savedContext = process.env.DOCKER_CONTEXT;
    try {
      await exec('docker', ['context', 'create', name, '--docker', `host=${proxy.address}`]);
      delete process.env.DOCKER_HOST;
      process.env.DOCKER_CONTEXT = name;
      // The API client alone first: its ping goes through the context's engine.
      await connectEngine(5000);
      expect(engineAddress()).toBe(proxy.address);
      expect(proxy.connections()).toBe(1);
      const report = await check({ context: fixture('user-nonroot') });
      expect(byId(report, 'HARD-USER-001').status).toBe('pass');
      // The environment is left alone: DOCKER_HOST would override the context (and its builder)
      // for every docker command of the run.
      expect(process.env.DOCKER_HOST).toBeUndefined();
      expect(proxy.connections()).toBeGreaterThanOrEqual(4);
    } finally {
      if (savedContext === undefined) delete process.env.DOCKER_CONTEXT;
      else process.env.DOCKER_CONTEXT = savedContext;
      proxy.close();
      await exec('docker', ['context', 'rm', '-f', name]);
    }
    // Back on the default context: the default socket again.
    await connectEngine(5000);
    expect(engineAddress()).toBe('unix:///var/run/docker.sock');
  });

  it('that does not answer is an infrastructure fault with a one-line cause', async () => {
    process.env.DOCKER_HOST = 'unix:///tmp/cs-hardening-no-engine.sock';
    await expect(connectEngine(2000)).rejects.toThrow(
      /^cannot reach the Docker engine at unix:\/\/\/tmp\/cs-hardening-no-engine\.sock \(connect ENOENT[^)]*\): start Docker, or set DOCKER_HOST to an engine that answers$/,
    );
  });
});

describe('buildImage', () => {
  it('returns the image id, the wall time and the steps, cached on a rebuild', async () => {
    const request = {
      context: `${REPO}/${fixture('user-nonroot')}`,
      dockerfile: `${REPO}/${fixture('user-nonroot')}/Dockerfile`,
      buildArgs: {},
      noCache: true,
      tags: [],
    };
    const first = await buildImage(request);
    expect(first.ok).toBe(true);
    expect(first.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.steps.map((step) => step.name)).toEqual([expect.stringMatching(/\[2\/2\] RUN echo 'csops/)]);
    expect(first.steps[0].cached).toBe(false);
    const second = await buildImage({ ...request, noCache: false });
    expect(second.steps[0].cached).toBe(true);
    // The same layers and config. (The same id only on overlay2: on the containerd store the id is
    // the digest of an index that holds the build's provenance, new on every build.)
    const engine = await connectEngine();
    const [a, b] = await Promise.all([first, second].map((build) => engine.getImage(build.imageId!).inspect()));
    expect(b.RootFS.Layers).toEqual(a.RootFS.Layers);
    expect(b.Config).toEqual(a.Config);
    if (b.Id !== a.Id) await engine.getImage(b.Id).remove();
  });

  it('refuses an unknown builder as an infrastructure fault, not a failed build', async () => {
    const request = {
      context: `${REPO}/${fixture('user-nonroot')}`,
      dockerfile: `${REPO}/${fixture('user-nonroot')}/Dockerfile`,
      buildArgs: {},
      noCache: false,
      tags: [],
      builder: 'no-such-builder',
    };
    await expect(buildImage(request)).rejects.toThrow(/docker buildx build could not start: .*no-such-builder/);
  });
});

describe('collectFilesystemEvidence on a real engine', () => {
  it("streams the image's layers, applying deletions and naming each file's layer", async () => {
    const report = await check({ context: fixture('big-layer'), 'max-image-size-mb': '50' });
    const engine = await connectEngine();
    const filesystem = await collectFilesystemEvidence(engine, {
      image: report.target.imageId!,
      workingDir: '/',
      user: '',
      platform: { os: 'linux', architecture: 'amd64' },
      measureCompressed: false,
    });
    expect(filesystem.files['/small']).toBeUndefined(); // deleted by a later RUN rm (a whiteout)
    expect(filesystem.files['/blob']).toMatchObject({ type: 'file', size: 30_000_000, layer: 2 });
    expect(filesystem.files['/bin/busybox']).toMatchObject({ type: 'file', layer: 0 });
    // The base was made by `docker import`, which records no created_by: null, not a guess.
    expect(filesystem.layers.map((layer) => layer.createdBy?.replace(/ # buildkit$/, '') ?? null)).toEqual([
      null,
      'RUN /bin/sh -c echo small > /small',
      'RUN /bin/sh -c head -c 30000000 /dev/urandom > /blob',
      'RUN /bin/sh -c rm /small',
    ]);
    expect(filesystem.passwd).toContain('root:x:0:0');
  });
});
