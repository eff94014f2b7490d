import Docker from 'dockerode';
import { InfrastructureError, errorMessage } from '../util/errors.js';
import { within } from '../util/deadline.js';

// The one place that opens a connection to the engine. docker-modem reads DOCKER_HOST,
// DOCKER_TLS_VERIFY and DOCKER_CERT_PATH itself, so the user's engine choice is honoured.

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
