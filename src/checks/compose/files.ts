import type { ComposeEnvFile, ComposeEvidence, ComposeService } from '../../evidence/compose.js';
import type { ComposePort } from '../../evidence/compose/syntax.js';
import type { Location } from '../../model.js';
import { fakeProbe } from '../../util/commands.js';
import {
  baseSetsNoUserOrHealthcheck,
  parseImageReference,
  tagPinsVersion,
  tagVersionPrecision,
} from '../../util/image-reference.js';
import {
  commandSecrets,
  isSecretName,
  maskSecrets,
  placeholderSecret,
  redacted,
  secretIn,
  urlCredentials,
  weakDefault,
} from '../../util/secrets.js';
import { textOf } from '../../util/text.js';
import { defineCheck, type Verdict } from '../registry.js';
import { locationOf, valueAt } from '../compose-keys.js';

// Every service of the compose project, resolved as compose resolves it (includes, extends,
// override files, profiles, variables), against the production profile's compose hardening:
// health gates, restart, limits, log rotation, networks, and nothing that hands the host to a
// container. A finding lands where its value is written: the base file for an inherited value,
// the override file for an overridden one.

type Service = ComposeService;

const at = (service: Service, key?: string): { location: Location } => ({ location: locationOf(service, key) });

const get = valueAt;

function each(services: Service[], judge: (service: Service) => Verdict | Verdict[]): Verdict[] {
  return services.flatMap((service) => {
    const verdicts = judge(service);
    return (Array.isArray(verdicts) ? verdicts : [verdicts]).map((verdict) => ({
      ...verdict,
      message: `${service.name}: ${verdict.message}`,
    }));
  });
}

/** The healthcheck's command as one line, whatever form it was written in. */
function probeText(test: unknown): string | null {
  if (typeof test === 'string') return test;
  if (!Array.isArray(test) || test.length === 0) return null;
  const [kind, ...rest] = test.map(textOf);
  if (kind === 'NONE') return null;
  return kind === 'CMD' || kind === 'CMD-SHELL' ? rest.join(' ') : [kind, ...rest].join(' ');
}

/** A list or mapping (`environment`, `depends_on`, `networks`) as name → value, with each entry's key path. */
function entriesOf(value: unknown, key: string): { name: string; value: unknown; path: string }[] {
  if (Array.isArray(value)) {
    return value.map((item, index) => {
      const text = textOf(item);
      const eq = key === 'environment' || key === 'args' ? text.indexOf('=') : -1;
      return {
        name: eq === -1 ? text : text.slice(0, eq),
        value: eq === -1 ? null : text.slice(eq + 1),
        path: `${key}.${index}`,
      };
    });
  }
  return Object.entries((value ?? {}) as Record<string, unknown>).map(([name, entry]) => ({
    name,
    value: entry,
    path: `${key}.${name}`,
  }));
}

export const checkComposeHealthchecks = defineCheck({
  id: 'HARD-COMPOSE-001',
  cis: ['5.27'],
  category: 'compose',
  severity: 'warning',
  title: 'Every service has a real health check',
  proves:
    "Each service has a healthcheck (in compose, or in the HEALTHCHECK of the stage of the Dockerfile it builds) that is not disabled and not trivially fake. A pulled image's own HEALTHCHECK — kept by a healthcheck without a test (`interval: 30s`, `disable: false`), or relied on by services waiting for it to be healthy — is not judged statically; one-off jobs others wait to complete need none.",
  why: 'Health gates (depends_on: service_healthy) and restarts only work with a health check, and only a real one makes them mean anything.',
  remediation:
    'Add `healthcheck: { test: ["CMD", "pg_isready", "-U", "postgres"], interval: 10s, timeout: 5s, retries: 5 }` (or the service\'s own probe).',
  needs: ['compose'],
  run({ compose }) {
    const jobs = oneOffJobs(compose);
    const gated = waitedForHealthy(compose);
    return each(compose.services, (service) => {
      const health = healthOf(service);
      const waiting = jobs.get(service.name);
      if (waiting && health.kind !== 'test')
        return {
          status: 'skip',
          message: `${oneOff(waiting)}: no health check needed`,
        };
      switch (health.kind) {
        case 'disabled':
          return { status: 'fail', message: health.how, ...at(service, health.key) };
        case 'image':
          // `healthcheck: { interval: 30s }`, `{ disable: false }`: compose keeps the image's own HEALTHCHECK.
          if (service.data.build) {
            return service.builtHealthcheck
              ? {
                  status: 'pass',
                  message: `${health.how}: uses the HEALTHCHECK of ${service.dockerfile}`,
                  ...at(service, 'healthcheck'),
                }
              : {
                  status: 'fail',
                  message: `${health.how} and ${service.dockerfile ?? 'the Dockerfile it builds'} declares no HEALTHCHECK: no health check runs`,
                  ...at(service, 'healthcheck'),
                };
          }
          return {
            status: 'skip',
            message: `${health.how}: the health check is the image's own (${textOf(service.data.image) || 'its image'}), which cannot be judged statically`,
          };
        case 'none':
          if (service.builtHealthcheck)
            return { status: 'pass', message: `uses the HEALTHCHECK of ${service.dockerfile}` };
          // Others gate on its health, which compose can only give it from its image's HEALTHCHECK.
          if (!service.data.build && gated.has(service.name))
            return {
              status: 'skip',
              message: `no healthcheck in compose, but ${gated.get(service.name)!.join(', ')} ${gated.get(service.name)!.length > 1 ? 'wait' : 'waits'} for it to be healthy: the health check is its image's own (${textOf(service.data.image)}), which cannot be judged statically`,
            };
          if (!service.data.build && !service.builtBy) {
            // A pulled image may declare a HEALTHCHECK of its own, which compose keeps: only for
            // images known to declare none is "no health check" a fact.
            const image = textOf(service.data.image);
            if (!image || !baseSetsNoUserOrHealthcheck(image))
              return {
                status: 'fail',
                severity: 'notice',
                message: `no healthcheck in compose; whether its image ${image || '(unset)'} declares one cannot be seen statically (a full run with check-service-images measures it)`,
                ...at(service),
              };
            return { status: 'fail', message: `no healthcheck, and its image ${image} declares none`, ...at(service) };
          }
          return { status: 'fail', message: 'no healthcheck', ...at(service) };
      }
      // The probe is echoed: masked, like every message, and here first.
      const text = maskSecrets(health.text);
      const fake = fakeProbe(health.text);
      if (fake)
        return { status: 'fail', message: `healthcheck \`${text}\` ${fake}`, ...at(service, 'healthcheck.test') };
      return { status: 'pass', message: `healthcheck \`${text}\``, ...at(service, 'healthcheck.test') };
    });
  },
});

type Health =
  | { kind: 'test'; text: string }
  | { kind: 'disabled'; how: string; key: string }
  | { kind: 'image'; how: string }
  | { kind: 'none' };

/**
 * What compose makes of a service's `healthcheck`: a test of its own, disabled (`disable: true`,
 * `test: ["NONE"]`), the image's own HEALTHCHECK with compose's timing (a mapping without a test:
 * `{ interval: 30s }`, `{ disable: false }`), or none written at all.
 */
function healthOf(service: Service): Health {
  const health = service.data.healthcheck as Record<string, unknown> | null | undefined;
  if (!health || typeof health !== 'object') return { kind: 'none' };
  if (health.disable === true || textOf(health.disable) === 'true')
    return { kind: 'disabled', how: 'the health check is disabled', key: 'healthcheck.disable' };
  const test = health.test;
  if (Array.isArray(test) && textOf(test[0]) === 'NONE')
    return { kind: 'disabled', how: 'healthcheck: NONE disables the health check', key: 'healthcheck.test' };
  const text = probeText(test);
  if (text !== null && text.trim() !== '') return { kind: 'test', text };
  const keys = Object.keys(health)
    .filter((key) => key !== 'test')
    .map((key) => (key === 'disable' ? 'disable: false' : key));
  return {
    kind: 'image',
    how: keys.length > 0 ? `healthcheck sets only ${keys.join(', ')}` : 'healthcheck sets no test',
  };
}

const oneOff = (waiting: string[]): string =>
  `a one-off job (${waiting.join(', ')} ${waiting.length > 1 ? 'wait' : 'waits'} for it to complete)`;

/** The services others wait for under a `depends_on` condition, with who waits. */
function waitedFor(compose: ComposeEvidence, condition: string): Map<string, string[]> {
  const waiting = new Map<string, string[]>();
  for (const service of compose.services) {
    const depends = service.data.depends_on;
    if (!depends || Array.isArray(depends) || typeof depends !== 'object') continue;
    for (const [name, spec] of Object.entries(depends as Record<string, unknown>)) {
      if (textOf((spec as { condition?: unknown } | null)?.condition) === condition)
        waiting.set(name, [...(waiting.get(name) ?? []), service.name]);
    }
  }
  return waiting;
}

/** Services others wait for with `condition: service_completed_successfully`: jobs that run and exit. */
const oneOffJobs = (compose: ComposeEvidence): Map<string, string[]> =>
  waitedFor(compose, 'service_completed_successfully');

/** Services others wait for with `condition: service_healthy`. */
const waitedForHealthy = (compose: ComposeEvidence): Map<string, string[]> => waitedFor(compose, 'service_healthy');

export const checkComposeHealthGates = defineCheck({
  id: 'HARD-COMPOSE-002',
  category: 'compose',
  severity: 'warning',
  title: 'Dependencies are gated on health',
  proves:
    'Every depends_on waits for `condition: service_healthy` (or service_completed_successfully for one-off jobs), on a dependency that has a health check.',
  why: 'Plain depends_on only waits for the container to start, not for the database to accept connections: the app starts, fails, restarts.',
  remediation: 'Write `depends_on: { postgres: { condition: service_healthy } }` and give postgres a healthcheck.',
  needs: ['compose'],
  run({ compose }) {
    const byName = new Map(compose.services.map((service) => [service.name, service]));
    return each(compose.services, (service) => {
      const depends = service.data.depends_on;
      if (!depends) return { status: 'pass', message: 'depends on nothing' };
      const entries = entriesOf(depends, 'depends_on').map((entry) => ({
        ...entry,
        condition: Array.isArray(depends)
          ? undefined
          : textOf((entry.value as { condition?: unknown } | null)?.condition) || undefined,
      }));
      const problems: Verdict[] = [];
      for (const { name, condition, path } of entries) {
        if (condition === 'service_completed_successfully') continue;
        if (condition !== 'service_healthy') {
          problems.push({
            status: 'fail',
            message: `depends on ${name} ${condition ? `with condition ${condition}` : 'without a condition'}: it starts before ${name} is ready`,
            ...at(service, path),
          });
          continue;
        }
        const dependency = byName.get(name);
        const health = dependency ? healthOf(dependency) : null;
        if (!dependency || !health || health.kind === 'test' || dependency.builtHealthcheck) continue;
        if (health.kind === 'disabled') {
          problems.push({
            status: 'fail',
            message: `waits for ${name} to be healthy, but ${name}'s health check is disabled`,
            ...at(service, path),
          });
        } else if (dependency.data.build) {
          problems.push({
            status: 'fail',
            message: `waits for ${name} to be healthy, but ${name} has no health check`,
            ...at(service, path),
          });
        } else {
          // A pulled image may declare its own HEALTHCHECK, which only the image shows.
          problems.push({
            status: 'fail',
            severity: 'notice',
            message: `waits for ${name} to be healthy; ${name} has no healthcheck in compose, so this relies on the HEALTHCHECK of its image ${textOf(dependency.data.image)}, which cannot be seen statically`,
            ...at(service, path),
          });
        }
      }
      return problems.length > 0
        ? problems
        : {
            status: 'pass',
            message: `waits for ${entries.map(({ name }) => name).join(', ')} to be healthy`,
            ...at(service, 'depends_on'),
          };
    });
  },
});

export const checkComposeRestart = defineCheck({
  id: 'HARD-COMPOSE-003',
  category: 'compose',
  severity: 'warning',
  title: 'Every service has a restart policy',
  proves: 'Each service sets `restart` (other than no) or deploy.restart_policy.',
  why: 'Without one a crashed service stays down; the production profile uses `restart: unless-stopped`.',
  remediation: 'Add `restart: unless-stopped`.',
  needs: ['compose'],
  run({ compose }) {
    const jobs = oneOffJobs(compose);
    return each(compose.services, (service) => {
      const restart = textOf(service.data.restart ?? get(service.data, 'deploy.restart_policy.condition'));
      const key = service.data.restart !== undefined ? 'restart' : 'deploy.restart_policy';
      if (restart && restart !== 'no' && restart !== 'none')
        return { status: 'pass', message: `restart: ${restart}`, ...at(service, key) };
      const waiting = jobs.get(service.name);
      if (waiting)
        return {
          status: 'pass',
          message: `${oneOff(waiting)}: it runs once`,
        };
      return {
        status: 'fail',
        message: restart ? `restart: ${restart}` : 'no restart policy',
        ...at(service, restart ? key : undefined),
      };
    });
  },
});

export const checkComposeResources = defineCheck({
  id: 'HARD-COMPOSE-004',
  cis: ['5.11', '5.12'],
  category: 'compose',
  severity: 'warning',
  title: 'Every service has resource limits and reservations',
  proves:
    'Each service sets CPU and memory limits and reservations (deploy.resources, or cpus / mem_limit / mem_reservation).',
  why: 'One runaway service without limits starves the others on the host; reservations keep room for what must run. The production profile sets both for every service.',
  remediation:
    'Add `deploy: { resources: { limits: { cpus: "1.0", memory: 1G }, reservations: { cpus: "0.25", memory: 256M } } }`.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const { data } = service;
      const cpus = get(data, 'deploy.resources.limits.cpus') ?? data.cpus;
      const memory = get(data, 'deploy.resources.limits.memory') ?? data.mem_limit;
      const missing = [
        cpus ? null : 'CPU limit',
        memory ? null : 'memory limit',
        get(data, 'deploy.resources.reservations.cpus') ? null : 'CPU reservation',
        (get(data, 'deploy.resources.reservations.memory') ?? data.mem_reservation) ? null : 'memory reservation',
      ].filter((item): item is string => item !== null);
      const where = service.sources['deploy.resources'] ? 'deploy.resources' : undefined;
      if (missing.length === 0)
        return { status: 'pass', message: `limits ${textOf(cpus)} CPU / ${textOf(memory)}`, ...at(service, where) };
      // A missing reservation is the production profile's; CIS asks for the limits only.
      const cis = [cpus ? null : '5.12', memory ? null : '5.11'].filter((id): id is string => id !== null);
      return { status: 'fail', message: `no ${missing.join(', ')}`, measured: missing, cis, ...at(service, where) };
    });
  },
});

export const checkComposeLogging = defineCheck({
  id: 'HARD-COMPOSE-005',
  category: 'compose',
  severity: 'warning',
  title: 'Logs are rotated',
  proves:
    "Each service's logging either goes to a driver that ships logs elsewhere, or is json-file/local with max-size and max-file.",
  why: 'The default json-file driver grows without bound until the disk is full; the production profile keeps 3 × 10 MB per service.',
  remediation:
    'Add `logging: { driver: json-file, options: { max-size: "10m", max-file: "3" } }` (a YAML anchor shares it).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const logging = service.data.logging as { driver?: unknown; options?: Record<string, unknown> } | undefined;
      const driver = textOf(logging?.driver) || 'json-file';
      if (driver !== 'json-file' && driver !== 'local')
        return { status: 'pass', message: `logs go to ${driver}`, ...at(service, 'logging.driver') };
      const size = textOf(logging?.options?.['max-size']);
      const files = textOf(logging?.options?.['max-file']);
      if (driver === 'local' || (size && files)) {
        return {
          status: 'pass',
          message: `${driver}, ${size ? `max-size ${size}` : 'rotated'}${files ? `, max-file ${files}` : ''}`,
          ...at(service, 'logging'),
        };
      }
      const without = [size ? null : 'max-size', files ? null : 'max-file'].filter(Boolean).join(' and ');
      return {
        status: 'fail',
        message: logging ? `${driver} without ${without}` : 'default json-file logging grows without bound',
        ...at(service, logging ? 'logging' : undefined),
      };
    });
  },
});

export const checkComposeNetworks = defineCheck({
  id: 'HARD-COMPOSE-006',
  cis: ['5.30'],
  category: 'compose',
  severity: 'warning',
  title: 'Services use a user-defined network',
  proves:
    'Each service is attached to a user-defined network rather than the default one; an internal network (internal: true) is recommended for production.',
  why: 'A named network isolates the stack from other containers; an internal one also keeps it from reaching out. The production profile: "internal: true in production".',
  remediation:
    'Declare `networks: { app: { driver: bridge, internal: true } }` and attach each service with `networks: [app]`.',
  needs: ['compose'],
  run({ compose }) {
    const attachedTo = (service: Service): string[] =>
      entriesOf(service.data.networks, 'networks').map(({ name }) => name);
    const perService = each(compose.services, (service) => {
      if (service.data.network_mode)
        return { status: 'skip', message: `network_mode: ${textOf(service.data.network_mode)} (see HARD-COMPOSE-007)` };
      const attached = attachedTo(service);
      if (attached.length === 0 || attached.every((name) => name === 'default'))
        return { status: 'fail', message: 'on the default network only', ...at(service) };
      return { status: 'pass', message: `on ${attached.join(', ')}`, ...at(service, 'networks') };
    });
    // Whether a network is internal is a property of the network: one finding on its line.
    const used = [
      ...new Set(compose.services.filter((service) => !service.data.network_mode).flatMap(attachedTo)),
    ].filter((name) => name !== 'default');
    const perNetwork: Verdict[] = used
      .filter((name) => compose.networks[name]?.data?.internal !== true)
      .map((name) => ({
        status: 'fail',
        severity: 'notice',
        message: `network ${name} (${compose.services
          .filter((service) => attachedTo(service).includes(name))
          .map((service) => service.name)
          .join(', ')}) is not internal: true (recommended for production)`,
        location: compose.networks[name]?.loc ?? { file: compose.files[0]?.path ?? 'compose.yaml', line: 1 },
      }));
    return [...perService, ...perNetwork];
  },
});

const DANGEROUS_CAPS = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'DAC_READ_SEARCH',
  'SYS_RAWIO',
  'SYS_BOOT',
  'MAC_ADMIN',
  'BPF',
  'PERFMON',
]);

/**
 * The container engine's control: its sockets and state (docker, containerd, podman, CRI-O, the
 * kubelet), the directories that hold them, and systemd's over D-Bus or its own socket. Read-only
 * changes nothing: a socket answers whatever the mount's mode.
 */
const ENGINE_PATHS =
  /^\/(var\/)?run$|^\/(var\/)?run\/(docker|containerd|podman|crio|dbus)(\.sock)?(\/|$)|^\/(var\/)?run\/systemd\/private$|^\/var\/lib\/(docker|containerd|kubelet|containers)(\/|$)|^\/run\/user\/\d+\/(docker|podman)(\.sock)?(\/|$)|(docker|containerd|podman|crio)\.sock$/;

/** The host's root, system and kernel trees, logs, and its users' homes themselves. */
const SYSTEM_PATHS =
  /^\/(|etc|proc|sys|dev|boot|usr|lib|lib32|lib64|libx32|bin|sbin|var\/log|root|home(\/[^/]+)?)$|^\/(etc|proc|sys|dev|boot|usr|lib|lib32|lib64|libx32|bin|sbin|var\/log)\//;

/** Inside a home, what holds credentials: keys, cloud and cluster logins, the engine's own config. */
const HOME_CREDENTIALS = /^\/(root|home\/[^/]+)\/(\.ssh|\.aws|\.docker|\.kube|\.gnupg|\.azure|\.config\/gcloud)(\/|$)/;

/** System files a container reads to agree with the host (time zone, CA certificates): harmless read-only. */
const SHARED_READ_ONLY =
  /^\/(etc\/(localtime|timezone|machine-id|ssl\/certs|ca-certificates|pki\/ca-trust)|usr\/share\/(zoneinfo|ca-certificates)|usr\/local\/share\/ca-certificates)(\/.*)?$/;

/**
 * What a bind mount gives the container of the host: the engine (an error, read-only or not), a
 * system tree or a home written to (an error) or read (a warning: it discloses, e.g. /etc/shadow),
 * or nothing of note — the project's own paths, data under /opt or /srv, a deep path in a home,
 * a time zone or CA file read-only.
 */
function hostAccess(mount: {
  source: string;
  readOnly: boolean;
}): { severity: 'error' | 'warning'; cis: string[] } | null {
  const path = mount.source.replace(/\/+$/, '') || '/';
  if (ENGINE_PATHS.test(path))
    return { severity: 'error', cis: /docker\.sock$|^\/(var\/)?run$/.test(path) ? ['5.32'] : ['5.6'] };
  if (HOME_CREDENTIALS.test(path)) return { severity: 'error', cis: ['5.6'] };
  if (!SYSTEM_PATHS.test(path)) return null;
  if (!mount.readOnly) return { severity: 'error', cis: ['5.6'] };
  return SHARED_READ_ONLY.test(path) ? null : { severity: 'warning', cis: ['5.6'] };
}

/** `security_opt` entries that switch a confinement off, with the CIS recommendation each breaks. */
function unconfined(option: string): { what: string; cis: string[] } | null {
  const [key = '', value = ''] = option.split(/[:=](.*)/s);
  if (key === 'seccomp' && value === 'unconfined') return { what: 'disables seccomp', cis: ['5.22'] };
  if (key === 'apparmor' && value === 'unconfined') return { what: 'disables AppArmor', cis: ['5.2'] };
  if (key === 'label' && (value === 'disable' || /^type:(spc_t|unconfined_t)$/.test(value)))
    return { what: 'disables SELinux separation', cis: ['5.3'] };
  if (key === 'systempaths' && value === 'unconfined')
    return { what: "unmasks the kernel's /proc and /sys paths", cis: ['5.5'] };
  return null;
}

/** The CIS recommendation each shared namespace breaks (`cgroup: host` has none of its own). */
const NAMESPACE_CIS: Record<string, string[]> = {
  network_mode: ['5.10'],
  pid: ['5.16'],
  ipc: ['5.17'],
  userns_mode: ['5.31'],
  uts: ['5.21'],
  cgroup: [],
};

export const checkComposePrivileges = defineCheck({
  id: 'HARD-COMPOSE-007',
  cis: ['5.2', '5.3', '5.4', '5.5', '5.6', '5.10', '5.16', '5.17', '5.21', '5.22', '5.31', '5.32'],
  category: 'compose',
  severity: 'error',
  title: 'No service gets the host',
  proves:
    "No service is privileged, adds dangerous capabilities (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ALL…), mounts the engine's socket or state (docker.sock, /var/lib/docker, containerd…) or a host system path (/, /etc, /proc, /sys, /dev, /boot, /usr, /lib/modules, /var/log, /root, /home, a home's .ssh…; read-only is a warning, a time zone or CA file read-only is fine), shares the host's network, PID or IPC namespace, or disables seccomp, AppArmor or SELinux separation.",
  why: 'Each of these turns a compromised container into a compromised host.',
  remediation:
    'Remove it; grant the one capability really needed (e.g. NET_BIND_SERVICE) and mount only application data.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const found: Verdict[] = [];
      // Each finding names the CIS recommendation it breaks, so the coverage table fails that one only.
      const fail = (message: string, key: string, cis: string[]): void => {
        found.push({ status: 'fail', message, cis, ...at(service, key) });
      };
      const { data } = service;
      if (data.privileged === true) fail('privileged: true', 'privileged', ['5.5']);
      ((data.cap_add ?? []) as unknown[]).map(textOf).forEach((cap, index) => {
        if (DANGEROUS_CAPS.has(cap.replace(/^CAP_/i, '').toUpperCase()))
          fail(`cap_add: ${cap}`, `cap_add.${index}`, ['5.4']);
      });
      for (const key of ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'] as const) {
        if (data[key] === 'host') fail(`${key}: host shares the host's namespace`, key, NAMESPACE_CIS[key]);
      }
      ((data.security_opt ?? []) as unknown[]).map(textOf).forEach((option, index) => {
        const off = unconfined(option);
        if (off) fail(`security_opt: ${option} ${off.what}`, `security_opt.${index}`, off.cis);
      });
      for (const mount of service.binds) {
        const access = hostAccess(mount);
        if (!access) continue;
        found.push({
          status: 'fail',
          message: `mounts the host's ${mount.source}${mount.readOnly ? ' (read-only)' : ''}`,
          cis: access.cis,
          ...(access.severity === 'warning' ? { severity: 'warning' as const } : {}),
          ...at(service, `volumes.${mount.index}`),
        });
      }
      return found.length > 0 ? found : { status: 'pass', message: 'no privilege, host namespace or host mount' };
    });
  },
});

export const checkComposeSecrets = defineCheck({
  id: 'HARD-COMPOSE-008',
  category: 'compose',
  severity: 'error',
  title: 'No literal secrets in the compose files',
  proves:
    "No value the project's committed files write — environment, build args, healthcheck.test, command, entrypoint, including the defaults of `${VAR:-default}`, the services' env files and the `.env` values the files interpolate — holds a credential; `${VARIABLE}` references without a default, env files git ignores and secrets are fine.",
  why: 'A password in the compose file or in a committed env file, even as a default, is in the repository and in every clone of it.',
  remediation:
    "Reference it: `POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}`, with the value in an untracked .env (listed in .gitignore) or the deployment's secrets.",
  needs: ['compose'],
  run({ compose }) {
    // One finding per place a secret is written, naming every service that gets it (and under
    // which name, where they differ).
    const found = new Map<string, { verdict: Verdict; holders: { service: string; name: string }[]; text: string }>();
    const add = (service: string, key: string, name: string, text: string, verdict: Omit<Verdict, 'message'>): void => {
      const loc = verdict.location;
      const id = `${loc?.file}:${loc?.line}:${key}`;
      const existing = found.get(id);
      if (existing) {
        if (!existing.holders.some((holder) => holder.service === service)) existing.holders.push({ service, name });
      } else found.set(id, { verdict: { ...verdict, message: '' }, holders: [{ service, name }], text });
    };
    const envFile = (file: string | undefined) => compose.envFiles.find((record) => record.path === file);
    /**
     * How bad a literal is: a placeholder or a weak default (the user beside it, the service's
     * name, `postgres`, `123`) ships a weakness, a warning; anything else gives a credential away.
     */
    const grade = (value: string, kind: string, around: string[]): { what: string; weak: boolean } => {
      const url = urlCredentials(value);
      const secret = url ? url.password : value;
      const names = url ? [...around, url.user, ...url.rest.split(/[/:?]/)] : around;
      if (placeholderSecret(secret)) return { what: 'a placeholder', weak: true };
      if (weakDefault(secret, names))
        return { what: url ? 'a weak default password inside a URL' : 'a weak default', weak: true };
      return { what: kind, weak: false };
    };
    for (const service of compose.services) {
      // What the files say without any environment or .env: a default written in them is a
      // literal; a value from an env file is judged where that file writes it.
      const { written } = service;
      const around = namesAround(service, compose);
      const report = (name: string, value: string, path: string, where = name): void => {
        const kind = secretIn(name, value);
        if (!kind) return;
        const location = at(service, path).location;
        const file = envFile(location.file);
        if (file && !committed(file)) return;
        const { what, weak } = grade(value, kind, around);
        const origin = file ? ` (env_file ${file.path}, ${gitSays(file)})` : '';
        // The same value written once (an anchor several services alias) is one finding.
        add(service.name, `value ${value}`, where, ` holds ${what} ${redacted(value)}${origin}`, {
          status: 'fail',
          measured: name,
          location,
          ...(weak ? { severity: 'warning' as const } : {}),
        });
      };
      for (const entry of entriesOf(written.environment, 'environment'))
        if (entry.value !== null) report(entry.name, textOf(entry.value), entry.path);
      for (const entry of entriesOf(get(written, 'build.args'), 'args'))
        if (entry.value !== null)
          report(entry.name, textOf(entry.value), `build.${entry.path}`, `build arg ${entry.name}`);
      for (const key of ['healthcheck.test', 'command', 'entrypoint']) {
        const value = get(written, key);
        const words = Array.isArray(value)
          ? value.map(textOf)
          : value === undefined || value === null
            ? []
            : [textOf(value)];
        for (const secret of commandSecrets(words.join(' '))) {
          const { what, weak } = grade(secret.value, secret.kind, around);
          add(service.name, `${key} ${secret.name}`, key, ` holds ${what} ${redacted(secret.value)} (${secret.name})`, {
            status: 'fail',
            measured: secret.name,
            ...at(service, key),
            ...(weak ? { severity: 'warning' as const } : {}),
          });
        }
      }
    }
    // Values the files take from a committed `.env`: the secret is on that file's line.
    for (const use of compose.variables) {
      if (!use.from) continue;
      const file = envFile(use.from.file);
      if (!file || file.role !== 'dotenv' || !committed(file)) continue;
      const entry = file.entries.find((candidate) => candidate.line === use.from!.line);
      const field = use.path.split('.');
      const service = compose.services.find((candidate) => field[0] === 'services' && candidate.name === field[1]);
      if (!entry || !service) continue;
      const key = field.at(-1)!;
      const kind = secretIn(entry.name, entry.value) ?? (/^\d+$/.test(key) ? null : secretIn(key, entry.value));
      if (!kind) continue;
      const { what, weak } = grade(entry.value, kind, namesAround(service, compose));
      add(
        service.name,
        entry.name,
        entry.name,
        ` in ${file.path} (${gitSays(file)}) holds ${what} ${redacted(entry.value)}, and the compose file uses it (\`\${${use.name}}\` at ${use.loc.file}:${use.loc.line})${weak ? ': the stack runs with it wherever the deployment does not set it' : ''}`,
        {
          status: 'fail',
          measured: entry.name,
          location: { file: file.path, line: entry.line },
          ...(weak ? { severity: 'warning' as const } : {}),
        },
      );
    }
    const verdicts: Verdict[] = [...found.values()].map(({ verdict, holders, text }) => {
      const sameName = holders.every((holder) => holder.name === holders[0].name);
      const who = sameName
        ? `${holders.map((holder) => holder.service).join(', ')}: ${holders[0].name}`
        : `${holders.map((holder) => `${holder.service} (${holder.name})`).join(', ')}: the value`;
      return { ...verdict, message: `${who}${text}` };
    });
    return verdicts.length > 0
      ? verdicts
      : {
          status: 'pass',
          message:
            'no literal secret in environment, build args, healthcheck, command, entrypoint or the committed env files they read',
        };
  },
});

/**
 * The names a weak default is built on: the service's and the project's names, its image's, and
 * the values around it that are not secrets (the user and database it is the password of).
 */
function namesAround(service: Service, compose: ComposeEvidence): string[] {
  // The project's own words: its name, its services' (an app's default admin password is often its name).
  const names = [compose.project ?? '', ...compose.services.map((other) => other.name)];
  const image = textOf(service.written.image ?? service.data.image);
  names.push(...parseImageReference(image).name.split('/'));
  for (const entry of entriesOf(service.written.environment, 'environment'))
    if (entry.value !== null && !isSecretName(entry.name)) names.push(textOf(entry.value));
  return names.filter((name) => name && !name.includes('$'));
}

/** Whether an env file's values are in the repository: git tracks it, or nothing can tell (no git). */
function committed(file: ComposeEnvFile): boolean {
  return file.standsFor === null && file.git !== 'ignored';
}

function gitSays(file: ComposeEnvFile): string {
  switch (file.git) {
    case 'tracked':
      return 'tracked by git';
    case 'untracked':
      return 'not ignored by git: `git add .` commits it';
    default:
      return 'not in a git repository: judged as shipped with the project';
  }
}

/** Every interface of the host: no address, 0.0.0.0, or :: (IPv6 and, dual-stack, IPv4 too). */
const onAllInterfaces = (hostIp: string): boolean => ['', '0.0.0.0', '::', '[::]'].includes(hostIp);

const DATABASES =
  /(^|\/)(postgres(ql)?|postgis|timescaledb|pgbouncer|mysql|mariadb|percona|mongo(db)?|redis|valkey|keydb|memcached|elasticsearch|opensearch|rabbitmq|cassandra|couchdb|influxdb|clickhouse|mssql|neo4j)(-server)?(:|@|$)/i;

/** Where a service can be reached from: the host's interfaces (all, or some addresses), or the stack's network only. */
function reach(service: Service): {
  scope: 'all' | 'host' | 'stack';
  ports: ComposePort[];
} {
  if (textOf(service.data.network_mode) === 'host') return { scope: 'all', ports: [] };
  const ports = service.ports;
  if (ports.length === 0) return { scope: 'stack', ports: [] };
  const all = ports.filter(({ hostIp }) => onAllInterfaces(hostIp));
  return all.length > 0 ? { scope: 'all', ports: all } : { scope: 'host', ports };
}

export const checkComposeDatabasePorts = defineCheck({
  id: 'HARD-COMPOSE-009',
  cis: ['5.14'],
  category: 'compose',
  severity: 'warning',
  title: 'Databases are not published on all interfaces',
  proves:
    'No database-like service (postgres, mysql, mongo, redis, elasticsearch…) publishes a port without binding it to 127.0.0.1 (or another host address).',
  why: '`ports: ["5432:5432"]` listens on every interface of the host, firewall rules of Docker included: the database is on the network.',
  remediation:
    'Publish it on loopback only (`127.0.0.1:5432:5432`), or not at all: the services reach it over the compose network.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const image = textOf(service.data.image);
      if (!DATABASES.test(image) && !DATABASES.test(`${service.name}:`))
        return { status: 'pass', message: 'not a database' };
      // Judged on the address whatever the host port resolves to: `${DB_PORT:-5432}:5432` and
      // `${DB_PORT}:5432` (unset: Docker picks the port) are both on every interface.
      const exposed = service.ports.filter(({ hostIp }) => onAllInterfaces(hostIp));
      if (exposed.length === 0) return { status: 'pass', message: 'not published on all interfaces' };
      return exposed.map((port) => ({
        status: 'fail' as const,
        message: port.published
          ? `publishes ${port.text} on all interfaces`
          : `publishes container port ${port.target} on all interfaces, on a host port Docker picks (${port.text})`,
        ...at(service, `ports.${port.index}`),
      }));
    });
  },
});

/** A value that switches something on (`true`, `yes`, `1`); `false`, `no`, `0`, `off` and empty do not. */
const isOn = (value: unknown): boolean => {
  const text = textOf(value).trim().toLowerCase();
  return text !== '' && !['false', 'no', '0', 'off', 'n'].includes(text);
};

/** The service's `environment` as name → value (list or mapping form), resolved. */
function environmentOf(service: Service): Map<string, string> {
  return new Map(
    entriesOf(service.data.environment, 'environment').map(({ name, value }) => [name, textOf(value)] as const),
  );
}

/** The service's command and entrypoint as one line. */
function commandLine(service: Service): string {
  return ['entrypoint', 'command']
    .map((key) => service.data[key])
    .map((value) => (Array.isArray(value) ? value.map(textOf).join(' ') : textOf(value)))
    .join(' ')
    .trim();
}

interface NoAuth {
  /** What switches authentication off, as written. */
  how: string;
  /** Where it is written. */
  key: string;
  /** Written on purpose (trust, an empty password allowed), rather than the image's default. */
  explicit: boolean;
}

/**
 * Why a database service accepts connections without a password, or null when it asks for one
 * or its configuration cannot be seen (a config file, a script of its own): PostgreSQL with
 * `POSTGRES_HOST_AUTH_METHOD=trust`, PgBouncer with `AUTH_TYPE=trust|any`, MySQL and MariaDB
 * allowed an empty root password without one, Redis/Valkey/KeyDB without `--requirepass` or ACL
 * (the official image turns protected mode off), MongoDB without a root user or `--auth`,
 * Elasticsearch/OpenSearch with security switched off.
 */
function withoutAuthentication(service: Service): NoAuth | null {
  const image = textOf(service.data.image).toLowerCase();
  const name = parseImageReference(image).name;
  const env = environmentOf(service);
  const set = (key: string): string | undefined => env.get(key);
  const envKey = (key: string): string =>
    entriesOf(service.data.environment, 'environment').find((entry) => entry.name === key)?.path ?? 'environment';
  const command = commandLine(service);
  const is = (pattern: RegExp): boolean => pattern.test(name) || (!image && pattern.test(service.name));

  if (textOf(set('POSTGRES_HOST_AUTH_METHOD')).trim().toLowerCase() === 'trust')
    return { how: 'POSTGRES_HOST_AUTH_METHOD=trust', key: envKey('POSTGRES_HOST_AUTH_METHOD'), explicit: true };
  if (is(/(^|\/)pgbouncer$/)) {
    for (const key of ['AUTH_TYPE', 'PGBOUNCER_AUTH_TYPE']) {
      const value = textOf(set(key)).trim().toLowerCase();
      if (value === 'trust' || value === 'any') return { how: `${key}=${value}`, key: envKey(key), explicit: true };
    }
  }
  if (is(/(^|\/)(mysql|mariadb|percona(-server)?)$/)) {
    const rootPassword = [
      'MYSQL_ROOT_PASSWORD',
      'MYSQL_ROOT_PASSWORD_FILE',
      'MARIADB_ROOT_PASSWORD',
      'MARIADB_ROOT_PASSWORD_FILE',
      'MARIADB_ROOT_PASSWORD_HASH',
      'MYSQL_RANDOM_ROOT_PASSWORD',
      'MARIADB_RANDOM_ROOT_PASSWORD',
    ].some((key) => textOf(set(key)).trim() !== '');
    const allow = [
      'MYSQL_ALLOW_EMPTY_PASSWORD',
      'MARIADB_ALLOW_EMPTY_ROOT_PASSWORD',
      'MARIADB_ALLOW_EMPTY_PASSWORD',
    ].find((key) => isOn(set(key)));
    if (allow && !rootPassword)
      return { how: `${allow}=${set(allow)} without a root password`, key: envKey(allow), explicit: true };
  }
  if (is(/(^|\/)bitnami\/(redis|valkey|mongodb|mysql|mariadb|postgresql)$/) && isOn(set('ALLOW_EMPTY_PASSWORD')))
    return {
      how: `ALLOW_EMPTY_PASSWORD=${set('ALLOW_EMPTY_PASSWORD')}`,
      key: envKey('ALLOW_EMPTY_PASSWORD'),
      explicit: true,
    };
  if (is(/(^|\/)(elasticsearch|opensearch)$/)) {
    for (const [key, off] of [
      ['xpack.security.enabled', false],
      ['plugins.security.disabled', true],
      ['DISABLE_SECURITY_PLUGIN', true],
    ] as const) {
      const value = set(key);
      if (value !== undefined && isOn(value) === off)
        return { how: `${key}=${value}`, key: envKey(key), explicit: true };
    }
  }
  // The official images' defaults, pulled as they are: no password unless one is configured.
  if (service.data.build) return null;
  if (/^(docker\.io\/)?(library\/)?redis$|(^|\/)valkey\/valkey$|(^|\/)eqalpha\/keydb$/.test(name)) {
    if (
      /--(requirepass|aclfile|user)\b/.test(command) ||
      set('REDIS_PASSWORD') ||
      set('REDIS_ARGS')?.includes('--requirepass')
    )
      return null;
    // A configuration file (`redis-server /etc/redis.conf`) or a program of its own: not visible here.
    if (/\.conf\b/.test(command) || (command && !/^(\S*\/)?(redis|valkey|keydb)-server\b|^-/.test(command)))
      return null;
    return { how: 'no requirepass or ACL', key: command ? 'command' : 'image', explicit: false };
  }
  if (/^(docker\.io\/)?(library\/)?mongo$/.test(name)) {
    if (
      set('MONGO_INITDB_ROOT_USERNAME') ||
      set('MONGO_INITDB_ROOT_USERNAME_FILE') ||
      /--auth\b|--config\b|-f\s/.test(command)
    )
      return null;
    if (command && !/^(\S*\/)?mongod\b|^-/.test(command)) return null;
    return {
      how: 'no root user (MONGO_INITDB_ROOT_USERNAME) and no --auth',
      key: command ? 'command' : 'image',
      explicit: false,
    };
  }
  return null;
}

const SEVERITY_OF_EXPLICIT = { all: 'error', host: 'warning', stack: 'notice' } as const;
const SEVERITY_OF_DEFAULT = { all: 'warning', host: 'notice', stack: 'notice' } as const;

export const checkComposeDatabaseAuth = defineCheck({
  id: 'HARD-COMPOSE-015',
  category: 'compose',
  severity: 'error',
  title: 'Databases ask for a password',
  proves:
    'No database service accepts connections without authentication where it can be reached: POSTGRES_HOST_AUTH_METHOD=trust, PgBouncer AUTH_TYPE trust/any, MySQL/MariaDB ALLOW_EMPTY_PASSWORD without a root password, Elasticsearch/OpenSearch security switched off; Redis, Valkey or MongoDB without a password published beyond the stack.',
  why: 'A database that trusts every connection is open to anyone who reaches its port: published on all interfaces, that is the network; inside the stack, any compromised neighbour.',
  threshold:
    'trust or an empty password written on purpose: error when published on all interfaces (or network_mode: host), warning on a host address, notice when only the stack reaches it; an image left without a password: warning on all interfaces, notice on a host address',
  remediation:
    'Set a password from the environment (`POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}`, `command: ["redis-server", "--requirepass", "${REDIS_PASSWORD:?set it}"]`), drop trust/empty-password settings, and publish the port on 127.0.0.1 or not at all.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const found = withoutAuthentication(service);
      if (!found) return { status: 'pass', message: 'no database without authentication' };
      const { scope, ports } = reach(service);
      const where =
        scope === 'stack'
          ? 'reachable from the stack only'
          : textOf(service.data.network_mode) === 'host'
            ? 'on every interface of the host (network_mode: host)'
            : scope === 'all'
              ? `published on all interfaces (${ports.map(({ text }) => text).join(', ')})`
              : `published on ${ports.map(({ text }) => text).join(', ')}`;
      if (!found.explicit && scope === 'stack')
        return { status: 'pass', message: `${found.how}, but reachable from the stack only` };
      // Certain (written on purpose) and open to the network: an error; an image's default, or
      // a narrower reach, one step lower each.
      const severity = (found.explicit ? SEVERITY_OF_EXPLICIT : SEVERITY_OF_DEFAULT)[scope];
      return {
        status: 'fail',
        severity,
        message: `accepts connections without a password (${found.how}), ${where}`,
        ...at(service, found.key === 'image' ? 'image' : found.key),
      };
    });
  },
});

export const checkComposePrivilegedPorts = defineCheck({
  id: 'HARD-COMPOSE-014',
  cis: ['5.8'],
  category: 'compose',
  severity: 'notice',
  title: 'No host port below 1024 is published',
  proves: 'No service publishes a port below 1024 on the host (`ports: ["80:8080"]`); a reverse proxy in front does.',
  why: 'Ports below 1024 are the privileged ones: publishing them ties the service to host-level configuration and, on hosts that rely on them, lets a container take a port only root should.',
  threshold: 'host ports ≥ 1024 (CIS Docker Benchmark 5.8)',
  remediation:
    'Publish a port of 1024 or above (`8080:8080`) and put a reverse proxy or load balancer on 80/443 in front.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const low = service.ports.filter(({ published }) => Number.parseInt(published, 10) < 1024);
      if (low.length === 0) return { status: 'pass', message: 'no host port below 1024' };
      return low.map((port) => ({
        status: 'fail' as const,
        message: `publishes host port ${port.published}${port.hostIp ? ` on ${port.hostIp}` : ''} (${port.long ? `published: ${port.published}` : port.text})`,
        measured: Number.parseInt(port.published, 10),
        target: '≥ 1024',
        ...at(service, `ports.${port.index}`),
      }));
    });
  },
});

export const checkComposeHardening = defineCheck({
  id: 'HARD-COMPOSE-010',
  cis: ['5.4', '5.13', '5.26'],
  category: 'compose',
  severity: 'notice',
  title: 'Services run read-only, without capabilities, with no-new-privileges',
  proves: 'Each service sets read_only: true, cap_drop: [ALL] and security_opt no-new-privileges.',
  why: "Recommended for production: a compromised process can then neither change the image's files nor gain privileges.",
  remediation:
    'Add `read_only: true`, `tmpfs: [/tmp]`, `cap_drop: [ALL]`, `security_opt: ["no-new-privileges:true"]` (HARD-FILESYSTEM-004 tells whether the image copes).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const { data } = service;
      const unset: [string, string][] = [
        data.read_only === true ? null : (['read_only: true', '5.13'] as [string, string]),
        ((data.cap_drop ?? []) as unknown[]).map(textOf).includes('ALL')
          ? null
          : (['cap_drop: [ALL]', '5.4'] as [string, string]),
        ((data.security_opt ?? []) as unknown[])
          .map(textOf)
          .some((option) => /^no-new-privileges(:true|=true)?$/.test(option))
          ? null
          : (['no-new-privileges', '5.26'] as [string, string]),
      ].filter((item): item is [string, string] => item !== null);
      if (unset.length === 0)
        return { status: 'pass', message: 'read-only, all capabilities dropped, no-new-privileges' };
      const missing = unset.map(([setting]) => setting);
      return {
        status: 'fail',
        message: `not set: ${missing.join(', ')}`,
        measured: missing,
        cis: unset.map(([, cis]) => cis),
        ...at(service),
      };
    });
  },
});

export const checkComposeImageTags = defineCheck({
  id: 'HARD-COMPOSE-011',
  category: 'compose',
  severity: 'warning',
  title: 'Service images are pinned',
  proves:
    'Each service that pulls an image (variables resolved, defaults included) names a version: not latest, no tag, or a floating tag (alpine, lts, stable, mainline, edge…). A major or minor version only (`redis:7`, `postgres:14-alpine`) is a notice: the tag moves with each release. Services that build name their own output; an image written through a variable without a value is not judged.',
  why: 'A floating tag means whatever was pushed last: the stack changes without a change in the repository.',
  remediation: 'Name a full version: `image: postgres:15.4-bookworm`, `redis:7.2.4` (and a digest for release stacks).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      if (service.data.build)
        return { status: 'pass', message: `built from ${service.dockerfile ?? 'its build context'}` };
      // Build once, run twice: the name is the stack's own build, not a tag pulled from a registry.
      if (service.builtBy)
        return { status: 'pass', message: `runs the image ${service.builtBy} builds`, ...at(service, 'image') };
      const image = service.data.image;
      if (typeof image !== 'string' || image === '') return { status: 'skip', message: 'no image' };
      const unknown = variablesWithoutValue(compose, service, 'image');
      if (unknown.length > 0)
        return {
          status: 'skip',
          message: `image ${image || '(empty)'} is written through ${unknown.map((name) => `\${${name}}`).join(', ')}, which ${unknown.length > 1 ? 'have' : 'has'} no value here: the tag is whatever the deployment sets`,
          ...at(service, 'image'),
        };
      const { name, tag, digest } = parseImageReference(image);
      if (digest) return { status: 'pass', message: `image ${image} is pinned by digest`, ...at(service, 'image') };
      if (tag && tagPinsVersion(tag)) {
        const precision = tagVersionPrecision(name, tag);
        if (precision === 'major' || precision === 'minor')
          return {
            status: 'fail',
            severity: 'notice',
            message: `image ${image} names ${precision === 'major' ? 'a major version' : 'a minor version'} only: the tag moves to each new release of it`,
            ...at(service, 'image'),
          };
        return { status: 'pass', message: `image ${image}`, ...at(service, 'image') };
      }
      const why =
        tag === null
          ? 'has no tag (latest)'
          : tag === 'latest'
            ? 'uses latest'
            : `uses :${tag}, a floating tag (a channel or variant, not a version)`;
      return { status: 'fail', message: `image ${image} ${why}`, ...at(service, 'image') };
    });
  },
});

/** Variables without a value (unset, or required and missing) used where a service's `key` is written. */
function variablesWithoutValue(compose: ComposeEvidence, service: Service, key: string): string[] {
  const where = service.sources[key];
  if (!where) return [];
  const here = (loc: Location): boolean => loc.file === where.file && loc.line === where.line;
  return [
    ...new Set([...compose.unset, ...compose.missing].filter((entry) => here(entry.loc)).map((entry) => entry.name)),
  ];
}
