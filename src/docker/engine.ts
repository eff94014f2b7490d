import Docker from 'dockerode';
import { InfrastructureError, errorMessage } from '../util/errors.js';
import { within } from '../util/deadline.js';
import { runProcess } from '../util/process.js';

// The one place that opens a connection to the engine. docker-modem reads DOCKER_HOST,
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself, so the user's engine choice is honoured; without
// DOCKER_HOST, the docker CLI's current context is (followCliContext), so that the engine API and
// every docker command of the run (buildx, push, compose) speak to the same engine.

export type Engine = Docker;
/** A container's handle, as the engine gives it. */
export type Container = Docker.Container;
export type ImageInspectInfo = Docker.ImageInspectInfo;

export const ENGINE_IDLE_TIMEOUT_MS = 120_000;

export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** Connects and pings; an engine that does not answer within `timeoutMs` is an infrastructure fault. */
export async function connectEngine(timeoutMs = 10_000): Promise<Engine> {
  await followCliContext();
  // An engine that stops answering must not stall a run forever: a request idle this long fails
  // (streams that flow, like an image export, are not idle; waits of ours are shorter).
  const docker = new Docker({ timeout: ENGINE_IDLE_TIMEOUT_MS });
  try {
    await withTimeout(docker.ping(), timeoutMs, `no answer within ${timeoutMs / 1000} s`);
  } catch (error) {
    throw new InfrastructureError(
      `cannot reach the Docker engine at ${engineAddress()} (${errorMessage(error).replace(/^Error: /, '')}): start Docker, or set DOCKER_HOST to an engine that answers`,
    );
  }
  return docker;
}

/**
 * Without DOCKER_HOST, the docker CLI speaks to its current context's engine (`docker context use`,
 * DOCKER_CONTEXT; docker/setup-docker-action makes its engine the current context) while an API
 * client would take the default socket: two engines in one run, the image built on one and looked
 * for on the other. The context's address becomes DOCKER_HOST for the whole run. A context with TLS
 * material is left alone (its certificates live in the CLI's store): set DOCKER_HOST and
 * DOCKER_CERT_PATH for it.
 */
export async function followCliContext(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.DOCKER_HOST) return;
  const result = await runProcess('docker', ['context', 'inspect', '--format', '{{json .}}'], { env }).catch(
    () => null,
  );
  if (result?.code !== 0) return;
  let context: { Endpoints?: { docker?: { Host?: unknown } }; TLSMaterial?: { docker?: unknown } };
  try {
    context = JSON.parse(result.stdout) as typeof context;
  } catch {
    return;
  }
  const host = context.Endpoints?.docker?.Host;
  const tls = context.TLSMaterial?.docker;
  if (typeof host !== 'string' || !host || host === DEFAULT_SOCKET || (Array.isArray(tls) && tls.length > 0)) return;
  env.DOCKER_HOST = host;
}

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';

export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  const outcome = await within(promise, ms);
  if (outcome.timedOut) throw new Error(message);
  return outcome.value;
}

/** Whether the engine has this image (a reference or an id): any failure to inspect it is a no. */
export async function hasImage(engine: Engine, reference: string): Promise<boolean> {
  return engine
    .getImage(reference)
    .inspect()
    .then(
      () => true,
      () => false,
    );
}
