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

/** The engine this run speaks to: DOCKER_HOST, else the CLI context's (followCliContext), else the default socket. */
export function engineAddress(): string {
  return process.env.DOCKER_HOST || contextHost || DEFAULT_SOCKET;
}

const DEFAULT_SOCKET = 'unix:///var/run/docker.sock';
/** The CLI context's engine when it is not the default socket, as the last connectEngine found it. */
let contextHost: string | null = null;

/** Connects and pings; an engine that does not answer within `timeoutMs` is an infrastructure fault. */
export async function connectEngine(timeoutMs = 10_000): Promise<Engine> {
  contextHost = await followCliContext();
  // An engine that stops answering must not stall a run forever: a request idle this long fails
  // (streams that flow, like an image export, are not idle; waits of ours are shorter).
  const docker = new Docker({ timeout: ENGINE_IDLE_TIMEOUT_MS, ...(contextHost ? modemAddress(contextHost) : {}) });
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
 * for on the other. So the API client takes the context's address. The environment is left as it
 * is: DOCKER_HOST would override the context for every docker command of the run, and with it the
 * builder buildx keeps per context. Only addresses the API client reaches as the CLI does are
 * followed (a socket, a named pipe, plain tcp); a context with TLS (its certificates live in the
 * CLI's store, or verification skipped) or over ssh (the CLI's ssh config) is left to the default,
 * as before: set DOCKER_HOST (and DOCKER_CERT_PATH) for it. Null: nothing to follow.
 */
export async function followCliContext(env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (env.DOCKER_HOST) return null;
  const result = await runProcess('docker', ['context', 'inspect', '--format', '{{json .}}'], { env }).catch(
    () => null,
  );
  if (result?.code !== 0) return null;
  let context: {
    Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } };
    TLSMaterial?: { docker?: unknown };
  };
  try {
    context = JSON.parse(result.stdout) as typeof context;
  } catch {
    return null;
  }
  const endpoint = context.Endpoints?.docker;
  const host = endpoint?.Host;
  const tls = context.TLSMaterial?.docker;
  if (typeof host !== 'string' || host === DEFAULT_SOCKET || !/^(unix|npipe|tcp):\/\//.test(host)) return null;
  if (endpoint?.SkipTLSVerify === true || (Array.isArray(tls) && tls.length > 0)) return null;
  // Port 2376 is TLS by convention: a plain tcp context there is taken to rely on the CLI's TLS settings.
  if (/^tcp:\/\/[^/]*:2376\/?$/.test(host)) return null;
  return host;
}

/** docker-modem's options for an address: a socket or pipe path, or a plain-HTTP host and port. */
function modemAddress(host: string): { socketPath: string } | { host: string; port: number; protocol: 'http' } {
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('npipe://')) return { socketPath: host.slice('npipe://'.length) };
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return { host: url.hostname, port: Number(url.port || 2375), protocol: 'http' };
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
