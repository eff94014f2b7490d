import type { ComposeService } from '../evidence/compose.js';
import { redacted, secretIn } from '../util/secrets.js';
import { textOf } from '../util/text.js';
import { fakeProbe } from './dockerfile/stages.js';
import { parseImageReference } from './dockerfile/instructions.js';
import { defineCheck, type Verdict } from './registry.js';

// Every service of every compose file, against the seed's compose hardening: health gates,
// restart, limits, log rotation, networks, and nothing that hands the host to a container.

type Service = ComposeService;

const at = (service: Service, key?: string): { location: { file: string; line: number } } => ({
  location: { file: service.file, line: (key ? service.lines[key] : undefined) ?? service.line },
});

const get = (service: Service, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
      service.data,
    );

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
  const [kind, ...rest] = test.map(String);
  if (kind === 'NONE') return null;
  return kind === 'CMD' || kind === 'CMD-SHELL' ? rest.join(' ') : [kind, ...rest].join(' ');
}

export const checkComposeHealthchecks = defineCheck({
  id: 'HARD-COMPOSE-001',
  category: 'compose',
  severity: 'warning',
  title: 'Every service has a real health check',
  proves:
    'Each service has a healthcheck (in compose, or in the HEALTHCHECK of the Dockerfile it builds) that is not disabled and not trivially fake.',
  why: 'Health gates (depends_on: service_healthy) and restarts only work with a health check, and only a real one makes them mean anything.',
  remediation:
    'Add `healthcheck: { test: ["CMD", "pg_isready", "-U", "postgres"], interval: 10s, timeout: 5s, retries: 5 }` (or the service\'s own probe).',
  needs: ['compose'],
  run({ compose }, { evidence }) {
    const dockerfile = evidence.dockerfile.state === 'collected' ? evidence.dockerfile.value : undefined;
    return each(compose.services, (service) => {
      const health = service.data.healthcheck as { test?: unknown; disable?: boolean } | undefined;
      if (health?.disable === true)
        return { status: 'fail', message: 'the health check is disabled', ...at(service, 'healthcheck.disable') };
      const text = probeText(health?.test);
      if (!health || text === null) {
        const fromDockerfile =
          dockerfile &&
          service.dockerfile === dockerfile.path &&
          dockerfile.stages[dockerfile.finalStage]?.instructions.some(
            (instruction) => instruction.keyword === 'HEALTHCHECK',
          );
        if (fromDockerfile) return { status: 'pass', message: `uses the HEALTHCHECK of ${dockerfile.path}` };
        return {
          status: 'fail',
          message: health ? 'healthcheck: NONE' : 'no healthcheck',
          ...at(service, health ? 'healthcheck' : undefined),
        };
      }
      const fake = fakeProbe(text);
      if (fake)
        return { status: 'fail', message: `healthcheck \`${text}\` ${fake}`, ...at(service, 'healthcheck.test') };
      return { status: 'pass', message: `healthcheck \`${text}\``, ...at(service, 'healthcheck.test') };
    });
  },
});

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
    const byName = new Map(compose.services.map((service) => [`${service.file}#${service.name}`, service]));
    return each(compose.services, (service) => {
      const depends = service.data.depends_on;
      if (!depends) return { status: 'pass', message: 'depends on nothing' };
      const entries: [string, string | undefined][] = Array.isArray(depends)
        ? depends.map((name) => [textOf(name), undefined])
        : Object.entries(depends as Record<string, { condition?: string } | null>).map(([name, spec]) => [
            name,
            spec?.condition,
          ]);
      const problems: Verdict[] = [];
      for (const [name, condition] of entries) {
        const key = Array.isArray(depends)
          ? `depends_on.${(depends as unknown[]).indexOf(name)}`
          : `depends_on.${name}`;
        if (condition === 'service_completed_successfully') continue;
        if (condition !== 'service_healthy') {
          problems.push({
            status: 'fail',
            message: `depends on ${name} ${condition ? `with condition ${condition}` : 'without a condition'}: it starts before ${name} is ready`,
            ...at(service, key),
          });
          continue;
        }
        const dependency = byName.get(`${service.file}#${name}`);
        if (dependency && !dependency.data.healthcheck)
          problems.push({
            status: 'fail',
            message: `waits for ${name} to be healthy, but ${name} has no compose healthcheck`,
            ...at(service, key),
          });
      }
      return problems.length > 0
        ? problems
        : {
            status: 'pass',
            message: `waits for ${entries.map(([name]) => name).join(', ')} to be healthy`,
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
  why: 'Without one a crashed service stays down; the seed uses `restart: unless-stopped`.',
  remediation: 'Add `restart: unless-stopped`.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const restart = service.data.restart ?? get(service, 'deploy.restart_policy.condition');
      if (restart && restart !== 'no' && restart !== 'none')
        return {
          status: 'pass',
          message: `restart: ${textOf(restart)}`,
          ...at(service, service.data.restart ? 'restart' : 'deploy.restart_policy'),
        };
      return {
        status: 'fail',
        message: restart ? `restart: ${textOf(restart)}` : 'no restart policy',
        ...at(service, service.data.restart ? 'restart' : undefined),
      };
    });
  },
});

export const checkComposeResources = defineCheck({
  id: 'HARD-COMPOSE-004',
  category: 'compose',
  severity: 'warning',
  title: 'Every service has resource limits and reservations',
  proves:
    'Each service sets CPU and memory limits and reservations (deploy.resources, or cpus / mem_limit / mem_reservation).',
  why: 'One runaway service without limits starves the others on the host; reservations keep room for what must run. The seed sets both for every service.',
  remediation:
    'Add `deploy: { resources: { limits: { cpus: "1.0", memory: 1G }, reservations: { cpus: "0.25", memory: 256M } } }`.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const missing = [
        (get(service, 'deploy.resources.limits.cpus') ?? service.data.cpus) ? null : 'CPU limit',
        (get(service, 'deploy.resources.limits.memory') ?? service.data.mem_limit) ? null : 'memory limit',
        get(service, 'deploy.resources.reservations.cpus') ? null : 'CPU reservation',
        (get(service, 'deploy.resources.reservations.memory') ?? service.data.mem_reservation)
          ? null
          : 'memory reservation',
      ].filter((item): item is string => item !== null);
      if (missing.length === 0)
        return {
          status: 'pass',
          message: `limits ${textOf(get(service, 'deploy.resources.limits.cpus') ?? service.data.cpus)} CPU / ${textOf(get(service, 'deploy.resources.limits.memory') ?? service.data.mem_limit)}`,
          ...at(service, 'deploy.resources'),
        };
      return {
        status: 'fail',
        message: `no ${missing.join(', ')}`,
        measured: missing,
        ...at(service, service.lines['deploy.resources'] ? 'deploy.resources' : undefined),
      };
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
  why: 'The default json-file driver grows without bound until the disk is full; the seed keeps 3 × 10 MB per service.',
  remediation:
    'Add `logging: { driver: json-file, options: { max-size: "10m", max-file: "3" } }` (a YAML anchor shares it).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const logging = service.data.logging as { driver?: string; options?: Record<string, unknown> } | undefined;
      const driver = logging?.driver ?? 'json-file';
      if (driver !== 'json-file' && driver !== 'local')
        return { status: 'pass', message: `logs go to ${driver}`, ...at(service, 'logging.driver') };
      const size = logging?.options?.['max-size'];
      const files = logging?.options?.['max-file'];
      if (driver === 'local' || (size && files))
        return {
          status: 'pass',
          message: `${driver}, ${size ? `max-size ${textOf(size)}` : 'rotated'}${files ? `, max-file ${textOf(files)}` : ''}`,
          ...at(service, 'logging'),
        };
      return {
        status: 'fail',
        message: logging
          ? `${driver} without ${[size ? null : 'max-size', files ? null : 'max-file'].filter(Boolean).join(' and ')}`
          : 'default json-file logging grows without bound',
        ...at(service, logging ? 'logging' : undefined),
      };
    });
  },
});

export const checkComposeNetworks = defineCheck({
  id: 'HARD-COMPOSE-006',
  category: 'compose',
  severity: 'warning',
  title: 'Services use a user-defined network',
  proves:
    'Each service is attached to a user-defined network rather than the default one; an internal network (internal: true) is recommended for production.',
  why: 'A named network isolates the stack from other containers; an internal one also keeps it from reaching out. The seed: "internal: true in production".',
  remediation:
    'Declare `networks: { app: { driver: bridge, internal: true } }` and attach each service with `networks: [app]`.',
  needs: ['compose'],
  run({ compose }) {
    return compose.files.flatMap((file) => {
      const attachedTo = (service: Service): string[] =>
        Array.isArray(service.data.networks)
          ? service.data.networks.map(String)
          : Object.keys(service.data.networks ?? {});
      const perService = each(file.services, (service) => {
        if (service.data.network_mode)
          return {
            status: 'skip',
            message: `network_mode: ${textOf(service.data.network_mode)} (see HARD-COMPOSE-007)`,
          };
        const attached = attachedTo(service);
        if (attached.length === 0 || attached.every((name) => name === 'default'))
          return { status: 'fail', message: 'on the default network only', ...at(service) };
        return { status: 'pass', message: `on ${attached.join(', ')}`, ...at(service, 'networks') };
      });
      // Whether a network is internal is a property of the network: one finding on its line.
      const used = [...new Set(file.services.flatMap(attachedTo))].filter((name) => name !== 'default');
      const perNetwork: Verdict[] = used
        .filter((name) => file.networks[name]?.internal !== true)
        .map((name) => ({
          status: 'fail',
          severity: 'notice',
          message: `network ${name} (${file.services
            .filter((service) => attachedTo(service).includes(name))
            .map((service) => service.name)
            .join(', ')}) is not internal: true (recommended for production)`,
          location: { file: file.path, line: file.networkLines[name] ?? 1 },
        }));
      return [...perService, ...perNetwork];
    });
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
const HOST_PATHS =
  /^(\/|\/etc|\/proc|\/sys|\/dev|\/root|\/home|\/boot|\/var\/run\/docker\.sock|\/run\/docker\.sock|\/var\/lib\/docker)(\/.*)?$/;

export const checkComposePrivileges = defineCheck({
  id: 'HARD-COMPOSE-007',
  category: 'compose',
  severity: 'error',
  title: 'No service gets the host',
  proves:
    "No service is privileged, adds dangerous capabilities (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, ALL…), mounts the Docker socket or host system paths, shares the host's network, PID or IPC namespace, or disables seccomp/AppArmor.",
  why: 'Each of these turns a compromised container into a compromised host.',
  remediation:
    'Remove it; grant the one capability really needed (e.g. NET_BIND_SERVICE) and mount only application data.',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const found: Verdict[] = [];
      const fail = (message: string, key: string): void => {
        found.push({ status: 'fail', message, ...at(service, key) });
      };
      if (service.data.privileged === true) fail('privileged: true', 'privileged');
      ((service.data.cap_add ?? []) as unknown[]).map(String).forEach((cap, index) => {
        if (DANGEROUS_CAPS.has(cap.replace(/^CAP_/, '').toUpperCase())) fail(`cap_add: ${cap}`, `cap_add.${index}`);
      });
      for (const key of ['network_mode', 'pid', 'ipc', 'userns_mode'] as const) {
        if (service.data[key] === 'host') fail(`${key}: host shares the host's namespace`, key);
      }
      ((service.data.security_opt ?? []) as unknown[]).map(String).forEach((option, index) => {
        if (/(seccomp|apparmor)[:=]unconfined/.test(option)) fail(`security_opt: ${option}`, `security_opt.${index}`);
      });
      ((service.data.volumes ?? []) as unknown[]).forEach((volume, index) => {
        const source =
          typeof volume === 'string' ? volume.split(':')[0] : textOf((volume as { source?: string }).source ?? '');
        if (source.startsWith('/') && HOST_PATHS.test(source.replace(/\/+$/, '') || '/'))
          fail(`mounts the host's ${source}`, `volumes.${index}`);
      });
      return found.length > 0 ? found : { status: 'pass', message: 'no privilege, host namespace or host mount' };
    });
  },
});

export const checkComposeSecrets = defineCheck({
  id: 'HARD-COMPOSE-008',
  category: 'compose',
  severity: 'error',
  title: 'No literal secrets in environment',
  proves:
    'No environment entry holds a credential literally; `${VARIABLE}` references, env files and secrets are fine.',
  why: 'A password in the compose file is in the repository and in every clone of it.',
  remediation:
    "Reference it: `POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}`, with the value in an untracked .env or the deployment's secrets.",
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const environment = service.data.environment;
      const entries: [string, string, string][] = Array.isArray(environment)
        ? environment.map((entry, index) => {
            const text = textOf(entry);
            const eq = text.indexOf('=');
            return [eq === -1 ? text : text.slice(0, eq), eq === -1 ? '' : text.slice(eq + 1), `environment.${index}`];
          })
        : Object.entries((environment ?? {}) as Record<string, unknown>).map(([name, value]) => [
            name,
            value === null ? '' : textOf(value),
            `environment.${name}`,
          ]);
      const found: Verdict[] = entries.flatMap(([name, value, key]) => {
        const kind = secretIn(name, value);
        return kind
          ? [
              {
                status: 'fail' as const,
                message: `${name} holds ${kind} ${redacted(value)}`,
                measured: name,
                ...at(service, key),
              },
            ]
          : [];
      });
      return found.length > 0
        ? found
        : { status: 'pass', message: `${entries.length} environment entries, none a literal secret` };
    });
  },
});

const DATABASES =
  /(^|\/)(postgres(ql)?|postgis|mysql|mariadb|mongo(db)?|redis|valkey|memcached|elasticsearch|opensearch|rabbitmq|cassandra|couchdb|influxdb|clickhouse|mssql|neo4j)(:|$)/i;

export const checkComposeDatabasePorts = defineCheck({
  id: 'HARD-COMPOSE-009',
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
      const image = textOf(service.data.image ?? '');
      if (!DATABASES.test(image) && !DATABASES.test(`${service.name}:`))
        return { status: 'pass', message: 'not a database' };
      const exposed = ((service.data.ports ?? []) as unknown[])
        .map((port, index) => ({ port, index }))
        .filter(({ port }) => {
          if (typeof port === 'object' && port !== null)
            return !(port as { host_ip?: string }).host_ip || (port as { host_ip?: string }).host_ip === '0.0.0.0';
          const parts = textOf(port).split(':');
          return parts.length < 3 || parts[0] === '0.0.0.0' || parts[0] === '';
        });
      if (exposed.length === 0) return { status: 'pass', message: 'not published on all interfaces' };
      return exposed.map(({ port, index }) => ({
        status: 'fail' as const,
        message: `publishes ${typeof port === 'object' ? JSON.stringify(port) : textOf(port)} on all interfaces`,
        ...at(service, `ports.${index}`),
      }));
    });
  },
});

export const checkComposeHardening = defineCheck({
  id: 'HARD-COMPOSE-010',
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
      const missing = [
        service.data.read_only === true ? null : 'read_only: true',
        ((service.data.cap_drop ?? []) as unknown[]).map(String).includes('ALL') ? null : 'cap_drop: [ALL]',
        ((service.data.security_opt ?? []) as unknown[])
          .map(String)
          .some((option) => /^no-new-privileges(:true|=true)?$/.test(option))
          ? null
          : 'no-new-privileges',
      ].filter((item): item is string => item !== null);
      if (missing.length === 0)
        return { status: 'pass', message: 'read-only, all capabilities dropped, no-new-privileges' };
      return { status: 'fail', message: `not set: ${missing.join(', ')}`, measured: missing, ...at(service) };
    });
  },
});

export const checkComposeImageTags = defineCheck({
  id: 'HARD-COMPOSE-011',
  category: 'compose',
  severity: 'warning',
  title: 'Service images are pinned',
  proves: 'Each service that pulls an image names a tag other than latest (services that build name their own output).',
  why: '`latest` means whatever was pushed last: the stack changes without a change in the repository.',
  remediation: 'Name a version: `image: postgres:15-bookworm` (and a digest for release stacks).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      if (service.data.build)
        return { status: 'pass', message: `built from ${service.dockerfile ?? 'its build context'}` };
      const image = service.data.image;
      if (typeof image !== 'string') return { status: 'skip', message: 'no image' };
      if (image.includes('$')) return { status: 'pass', message: `image ${image} is set by a variable` };
      const { tag, digest } = parseImageReference(image);
      if (digest || (tag && tag !== 'latest'))
        return { status: 'pass', message: `image ${image}`, ...at(service, 'image') };
      return {
        status: 'fail',
        message: `image ${image} ${tag ? 'uses latest' : 'has no tag (latest)'}`,
        ...at(service, 'image'),
      };
    });
  },
});
