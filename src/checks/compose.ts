import type { ComposeEnvFile, ComposeService } from '../evidence/compose.js';
import type { Location } from '../model.js';
import { fakeProbe } from '../util/commands.js';
import { parseImageReference, tagPinsVersion } from '../util/image-reference.js';
import { commandSecrets, placeholderSecret, redacted, secretIn } from '../util/secrets.js';
import { textOf } from '../util/text.js';
import { defineCheck, type Verdict } from './registry.js';

// Every service of the compose project, resolved as compose resolves it (includes, extends,
// override files, profiles, variables), against the production profile's compose hardening:
// health gates, restart, limits, log rotation, networks, and nothing that hands the host to a
// container. A finding lands where its value is written: the base file for an inherited value,
// the override file for an overridden one.

type Service = ComposeService;

const at = (service: Service, key?: string): { location: Location } => ({
  location: (key ? service.sources[key] : undefined) ?? { file: service.file, line: service.line },
});

const get = (data: Record<string, unknown>, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>(
      (value, key) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined),
      data,
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
    'Each service has a healthcheck (in compose, or in the HEALTHCHECK of the stage of the Dockerfile it builds) that is not disabled and not trivially fake.',
  why: 'Health gates (depends_on: service_healthy) and restarts only work with a health check, and only a real one makes them mean anything.',
  remediation:
    'Add `healthcheck: { test: ["CMD", "pg_isready", "-U", "postgres"], interval: 10s, timeout: 5s, retries: 5 }` (or the service\'s own probe).',
  needs: ['compose'],
  run({ compose }) {
    return each(compose.services, (service) => {
      const health = service.data.healthcheck as { test?: unknown; disable?: boolean } | undefined;
      if (health?.disable === true)
        return { status: 'fail', message: 'the health check is disabled', ...at(service, 'healthcheck.disable') };
      const text = probeText(health?.test);
      if (!health || text === null) {
        if (service.builtHealthcheck)
          return { status: 'pass', message: `uses the HEALTHCHECK of ${service.dockerfile}` };
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
        if (dependency && !dependency.data.healthcheck && !dependency.builtHealthcheck) {
          problems.push({
            status: 'fail',
            message: `waits for ${name} to be healthy, but ${name} has no health check`,
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
    return each(compose.services, (service) => {
      const restart = textOf(service.data.restart ?? get(service.data, 'deploy.restart_policy.condition'));
      const key = service.data.restart !== undefined ? 'restart' : 'deploy.restart_policy';
      if (restart && restart !== 'no' && restart !== 'none')
        return { status: 'pass', message: `restart: ${restart}`, ...at(service, key) };
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
 * Host paths a container can take the host over with: its root, system and kernel trees, the
 * engine's and containerd's sockets and state, users' homes. (A relative bind is the project's.)
 */
const HOST_PATHS =
  /^\/(|etc|proc|sys|dev|boot|root|home|usr|lib|lib32|lib64|libx32|bin|sbin|opt|lib\/modules|var\/lib\/docker|var\/lib\/containerd|var\/lib\/kubelet|var\/run|run|var\/run\/docker\.sock|run\/docker\.sock|run\/containerd|var\/log)(\/.*)?$/;

/** The host source of a bind mount, as written (short `src:dst[:mode]` or long `type: bind`); null otherwise. */
function hostSource(volume: unknown): string | null {
  if (typeof volume === 'string') {
    const parts = volume.split(':');
    return parts.length >= 2 && parts[0].startsWith('/') ? parts[0] : null;
  }
  const spec = volume as { type?: unknown; source?: unknown } | null;
  const source = textOf(spec?.source);
  return textOf(spec?.type) === 'bind' && source.startsWith('/') ? source : null;
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
  cis: ['5.2', '5.4', '5.5', '5.6', '5.10', '5.16', '5.17', '5.21', '5.22', '5.31', '5.32'],
  category: 'compose',
  severity: 'error',
  title: 'No service gets the host',
  proves:
    "No service is privileged, adds dangerous capabilities (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE, ALL…), mounts the Docker socket or a host system path (/, /etc, /proc, /sys, /dev, /boot, /usr, /lib/modules, /root, /home, /var/lib/docker…), shares the host's network, PID or IPC namespace, or disables seccomp/AppArmor.",
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
        const unconfined = /(seccomp|apparmor)[:=]unconfined/.exec(option);
        if (unconfined)
          fail(`security_opt: ${option}`, `security_opt.${index}`, [unconfined[1] === 'seccomp' ? '5.22' : '5.2']);
      });
      ((data.volumes ?? []) as unknown[]).forEach((volume, index) => {
        const source = hostSource(volume);
        if (source && HOST_PATHS.test(source.replace(/\/+$/, '') || '/'))
          fail(`mounts the host's ${source}`, `volumes.${index}`, /docker\.sock$/.test(source) ? ['5.32'] : ['5.6']);
      });
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
    // One finding per place a secret is written, naming every service that gets it.
    const found = new Map<string, { verdict: Verdict; services: string[] }>();
    const add = (service: string, key: string, verdict: Verdict): void => {
      const loc = verdict.location;
      const id = `${loc?.file}:${loc?.line}:${key}`;
      const existing = found.get(id);
      if (existing) {
        if (!existing.services.includes(service)) existing.services.push(service);
      } else found.set(id, { verdict, services: [service] });
    };
    const envFile = (file: string | undefined) => compose.envFiles.find((record) => record.path === file);
    for (const service of compose.services) {
      // What the files say without any environment or .env: a default written in them is a
      // literal; a value from an env file is judged where that file writes it.
      const { written } = service;
      const report = (name: string, value: string, path: string, where = name): void => {
        const kind = secretIn(name, value);
        if (!kind) return;
        const location = at(service, path).location;
        const file = envFile(location.file);
        if (file && !committed(file)) return;
        // A placeholder (`change-me`, `replace-me-with-a-random-string`) is a weak default that
        // ships, not a leaked secret.
        const placeholder = placeholderSecret(value);
        const origin = file ? ` (env_file ${file.path}, ${gitSays(file)})` : '';
        add(service.name, name, {
          status: 'fail',
          message: `${where} holds ${placeholder ? 'a placeholder' : kind} ${redacted(value)}${origin}`,
          measured: name,
          location,
          ...(placeholder ? { severity: 'warning' as const } : {}),
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
          add(service.name, `${key} ${secret.name}`, {
            status: 'fail',
            message: `${key} holds ${secret.kind} ${redacted(secret.value)} (${secret.name})`,
            measured: secret.name,
            ...at(service, key),
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
      const service = field[0] === 'services' ? field[1] : null;
      if (!entry || !service) continue;
      const key = field.at(-1)!;
      const kind = secretIn(entry.name, entry.value) ?? (/^\d+$/.test(key) ? null : secretIn(key, entry.value));
      if (!kind) continue;
      const placeholder = placeholderSecret(entry.value);
      add(service, entry.name, {
        status: 'fail',
        message: `${entry.name} in ${file.path} (${gitSays(file)}) holds ${placeholder ? 'a placeholder' : kind} ${redacted(entry.value)}, and the compose file uses it (\`\${${use.name}}\` at ${use.loc.file}:${use.loc.line})${placeholder ? ': the stack runs with it wherever the deployment does not set it' : ''}`,
        measured: entry.name,
        location: { file: file.path, line: entry.line },
        ...(placeholder ? { severity: 'warning' as const } : {}),
      });
    }
    const verdicts: Verdict[] = [...found.values()].map(({ verdict, services }) => ({
      ...verdict,
      message: `${services.join(', ')}: ${verdict.message}`,
    }));
    return verdicts.length > 0
      ? verdicts
      : {
          status: 'pass',
          message:
            'no literal secret in environment, build args, healthcheck, command, entrypoint or the committed env files they read',
        };
  },
});

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

/** A `ports` entry, short (`[ip:]host:container[/proto]`, `[::1]:80:80`) or long form: where it is published. */
function publishedPort(port: unknown): { hostIp: string; published: string } | null {
  if (typeof port === 'object' && port !== null) {
    const spec = port as { host_ip?: unknown; published?: unknown };
    const published = textOf(spec.published);
    return published ? { hostIp: textOf(spec.host_ip), published } : null;
  }
  const text = textOf(port).split('/')[0];
  const bracketed = /^\[([^\]]*)\]:(.*)$/.exec(text);
  const parts = bracketed ? [bracketed[1], ...bracketed[2].split(':')] : text.split(':');
  if (parts.length < 2) return null; // the container port alone: Docker picks a free host port
  const hostIp = parts.length >= 3 ? parts[0] : '';
  const published = parts[parts.length - 2];
  return published ? { hostIp, published } : null;
}

const DATABASES =
  /(^|\/)(postgres(ql)?|postgis|mysql|mariadb|mongo(db)?|redis|valkey|memcached|elasticsearch|opensearch|rabbitmq|cassandra|couchdb|influxdb|clickhouse|mssql|neo4j)(:|@|$)/i;

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
      const exposed = ((service.data.ports ?? []) as unknown[])
        .map((port, index) => ({ port, index }))
        .filter(({ port }) => {
          const published = publishedPort(port);
          return published !== null && (published.hostIp === '' || published.hostIp === '0.0.0.0');
        });
      if (exposed.length === 0) return { status: 'pass', message: 'not published on all interfaces' };
      return exposed.map(({ port, index }) => ({
        status: 'fail' as const,
        message: `publishes ${textOf(port)} on all interfaces`,
        ...at(service, `ports.${index}`),
      }));
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
      const low = ((service.data.ports ?? []) as unknown[])
        .map((port, index) => ({ port, index, published: publishedPort(port) }))
        .filter(({ published }) => published !== null && Number.parseInt(published.published, 10) < 1024);
      if (low.length === 0) return { status: 'pass', message: 'no host port below 1024' };
      return low.map(({ port, index, published }) => ({
        status: 'fail' as const,
        message: `publishes host port ${published!.published}${published!.hostIp ? ` on ${published!.hostIp}` : ''} (${typeof port === 'object' ? `published: ${published!.published}` : textOf(port)})`,
        measured: Number.parseInt(published!.published, 10),
        target: '≥ 1024',
        ...at(service, `ports.${index}`),
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
    'Each service that pulls an image (variables resolved, defaults included) names a version: not latest, no tag, or a floating tag (alpine, lts, stable, mainline, edge…). Services that build name their own output.',
  why: 'A floating tag means whatever was pushed last: the stack changes without a change in the repository.',
  remediation: 'Name a version: `image: postgres:15-bookworm` (and a digest for release stacks).',
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
      const { tag, digest } = parseImageReference(image);
      if (digest) return { status: 'pass', message: `image ${image} is pinned by digest`, ...at(service, 'image') };
      if (tag && tagPinsVersion(tag)) return { status: 'pass', message: `image ${image}`, ...at(service, 'image') };
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
