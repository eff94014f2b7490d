import { analyse, composeOf } from '../helpers/static.js';

// Every compose rule with a failing and a passing snippet, the line of the finding asserted.

const check = (compose: string, id: string): [string, number | undefined, string][] =>
  analyse({ compose })
    .filter((result) => result.id === id && result.status === 'fail')
    .map((result) => [result.severity, result.location?.line, result.message]);

const good = `
services:
  app:
    build: .
    healthcheck:
      test: ["CMD", "python", "-m", "app.healthcheck"]
    depends_on:
      db:
        condition: service_healthy
    restart: unless-stopped
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    environment:
      DB_PASSWORD: \${DB_PASSWORD:?set it}
    deploy: &limits
      resources:
        limits: { cpus: "1.0", memory: 1G }
        reservations: { cpus: "0.25", memory: 256M }
    logging: &logging
      driver: json-file
      options: { max-size: "10m", max-file: "3" }
    networks: [back]
  db:
    image: postgres:15.4-bookworm
    healthcheck:
      test: ["CMD", "pg_isready", "-U", "postgres"]
    restart: unless-stopped
    read_only: true
    cap_drop: [ALL]
    security_opt: ["no-new-privileges:true"]
    ports: ["127.0.0.1:5432:5432"]
    deploy: *limits
    logging: *logging
    networks: [back]
networks:
  back:
    internal: true
`;

describe('a well-hardened stack', () => {
  it('has no compose finding at all', () => {
    expect(
      analyse({ compose: good })
        .filter((result) => result.category === 'compose' && (result.status === 'fail' || result.status === 'error'))
        .map((result) => `${result.id} ${result.message}`),
    ).toEqual([]);
  });

  it('resolves anchors and merge keys, and keeps lines', () => {
    const project = composeOf({ compose: 'x-base: &x\n  a: 1\nservices:\n  s:\n    <<: *x\n    image: nginx:1\n' });
    expect(project.services[0]).toMatchObject({
      name: 's',
      line: 4,
      data: { a: 1, image: 'nginx:1' },
      sources: { image: { file: 'compose.yaml', line: 6 } },
    });
  });
});

describe.each([
  [
    'HARD-COMPOSE-001',
    'services:\n  web:\n    image: nginx:1\n    healthcheck:\n      test: ["CMD-SHELL", "curl -f http://localhost/ || exit 0"]\n',
    [['warning', 5, 'web: healthcheck `curl -f http://localhost/ || exit 0` turns every failure into success']],
  ],
  [
    'HARD-COMPOSE-001',
    'services:\n  web:\n    image: nginx:1\n',
    [['warning', 2, 'web: no healthcheck, and its image nginx:1 declares none']],
  ],
  [
    'HARD-COMPOSE-001',
    'services:\n  mail:\n    image: vendor/mail:3.1.0\n',
    [
      [
        'notice',
        2,
        'mail: no healthcheck in compose; whether its image vendor/mail:3.1.0 declares one cannot be seen statically (a full run with check-service-images measures it)',
      ],
    ],
  ],
  [
    'HARD-COMPOSE-002',
    'services:\n  web:\n    image: nginx:1\n    depends_on: [db]\n  db:\n    image: postgres:15\n',
    [['warning', 4, 'web: depends on db without a condition: it starts before db is ready']],
  ],
  [
    'HARD-COMPOSE-002',
    'services:\n  web:\n    image: nginx:1\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    build: ./db\n',
    [['warning', 5, 'web: waits for db to be healthy, but db has no health check']],
  ],
  [
    'HARD-COMPOSE-003',
    'services:\n  web:\n    image: nginx:1\n    restart: "no"\n',
    [['warning', 4, 'web: restart: no']],
  ],
  [
    'HARD-COMPOSE-004',
    'services:\n  web:\n    image: nginx:1\n    deploy:\n      resources:\n        limits: { memory: 1G }\n',
    [['warning', 5, 'web: no CPU limit, CPU reservation, memory reservation']],
  ],
  [
    'HARD-COMPOSE-005',
    'services:\n  web:\n    image: nginx:1\n    logging:\n      driver: json-file\n      options: { max-size: 10m }\n',
    [['warning', 4, 'web: json-file without max-file']],
  ],
  ['HARD-COMPOSE-006', 'services:\n  web:\n    image: nginx:1\n', [['warning', 2, 'web: on the default network only']]],
  [
    'HARD-COMPOSE-006',
    'services:\n  web:\n    image: nginx:1\n    networks: [front]\nnetworks:\n  front: {}\n',
    [['notice', 6, 'network front (web) is not internal: true (recommended for production)']],
  ],
  [
    'HARD-COMPOSE-007',
    'services:\n  agent:\n    image: agent:1\n    privileged: true\n    cap_add: [NET_BIND_SERVICE, SYS_ADMIN]\n    pid: host\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - ./data:/data\n',
    [
      ['error', 4, 'agent: privileged: true'],
      ['error', 5, 'agent: cap_add: SYS_ADMIN'],
      ['error', 6, "agent: pid: host shares the host's namespace"],
      ['error', 8, "agent: mounts the host's /var/run/docker.sock"],
    ],
  ],
  [
    'HARD-COMPOSE-008',
    'services:\n  db:\n    image: postgres:15\n    environment:\n      - POSTGRES_PASSWORD=hunter2hunter2\n      - POSTGRES_DB=app\n',
    [['error', 5, 'db: POSTGRES_PASSWORD holds a literal value for a secret-looking name [redacted, 14 characters]']],
  ],
  [
    'HARD-COMPOSE-009',
    'services:\n  cache:\n    image: redis:7\n    ports: ["6379:6379", "127.0.0.1:6380:6380"]\n',
    [['warning', 4, 'cache: publishes 6379:6379 on all interfaces']],
  ],
  [
    'HARD-COMPOSE-010',
    'services:\n  web:\n    image: nginx:1\n    read_only: true\n',
    [['notice', 2, 'web: not set: cap_drop: [ALL], no-new-privileges']],
  ],
  [
    'HARD-COMPOSE-011',
    'services:\n  web:\n    image: nginx\n  api:\n    image: api:latest\n',
    [
      ['warning', 3, 'web: image nginx has no tag (latest)'],
      ['warning', 5, 'api: image api:latest uses latest'],
    ],
  ],
  [
    'HARD-COMPOSE-014',
    [
      'services:',
      '  proxy:',
      '    image: nginx:1.27',
      '    ports:',
      '      - "80:8080"',
      '      - "127.0.0.1:443:8443"',
      '      - "8080:8080"',
      '      - "9000"',
      '      - target: 22',
      '        published: "22"',
      '        host_ip: "::1"',
      '      - "[::1]:53:53/udp"',
      '',
    ].join('\n'),
    [
      ['notice', 5, 'proxy: publishes host port 80 (80:8080)'],
      ['notice', 6, 'proxy: publishes host port 443 on 127.0.0.1 (127.0.0.1:443:8443)'],
      ['notice', 9, 'proxy: publishes host port 22 on ::1 (published: 22)'],
      ['notice', 12, 'proxy: publishes host port 53 on ::1 ([::1]:53:53/udp)'],
    ],
  ],
])('%s', (id, compose, expected) => {
  it(`finds ${expected.length} problem(s) on the right lines`, () => {
    expect(check(compose, id)).toEqual(expected);
  });
});

describe('invalid compose files', () => {
  it('say where, in one line', () => {
    expect(() => composeOf({ compose: 'services:\n  web: [\n' })).toThrow(
      /^compose\.yaml:\d+: not a valid compose file/,
    );
    expect(() => composeOf({ compose: '- a\n- b\n' })).toThrow(
      'compose.yaml: not a valid compose file (expected a mapping with a services key)',
    );
    expect(() => composeOf({ compose: 'services:\n  web: nginx\n' })).toThrow(
      "compose.yaml:2: service 'web' must be a mapping",
    );
  });
});

// Shapes seen in self-hosted projects' compose files, each with its failing and passing twin.

const results = (input: Parameters<typeof analyse>[0], id: string) =>
  analyse(input)
    .filter((result) => result.id === id)
    .map((result) => [result.status, result.severity, result.location?.line, result.message]);

describe('HARD-COMPOSE-001: a healthcheck mapping without a test keeps the image’s own', () => {
  const stack = (health: string, service = '    image: acme/unbound:1.25.1') =>
    `services:\n  dns:\n${service}\n    healthcheck:\n${health}\n`;

  it.each([
    ['      disable: false', 'healthcheck sets only disable: false'],
    ['      interval: 30s\n      timeout: 10s', 'healthcheck sets only interval, timeout'],
    ['      start_period: 20s\n      retries: 3', 'healthcheck sets only start_period, retries'],
  ])('of a pulled image: not judged statically, never called missing (%s)', (health, how) => {
    expect(results({ compose: stack(health) }, 'HARD-COMPOSE-001')).toEqual([
      [
        'skip',
        'warning',
        undefined,
        `dns: ${how}: the health check is the image's own (acme/unbound:1.25.1), which cannot be judged statically`,
      ],
    ]);
  });

  it('of a built image: the Dockerfile’s HEALTHCHECK, or none', () => {
    const compose = stack('      interval: 30s', '    build: .');
    expect(
      results(
        { compose, files: { Dockerfile: 'FROM alpine:3.19\nHEALTHCHECK CMD wget -qO- localhost\n' } },
        'HARD-COMPOSE-001',
      ),
    ).toEqual([['pass', 'warning', 4, 'dns: healthcheck sets only interval: uses the HEALTHCHECK of Dockerfile']]);
    expect(results({ compose, files: { Dockerfile: 'FROM alpine:3.19\n' } }, 'HARD-COMPOSE-001')).toEqual([
      [
        'fail',
        'warning',
        4,
        'dns: healthcheck sets only interval and Dockerfile declares no HEALTHCHECK: no health check runs',
      ],
    ]);
  });

  it('disable: true and test: ["NONE"] are disabled, on their line', () => {
    expect(results({ compose: stack('      disable: true') }, 'HARD-COMPOSE-001')).toEqual([
      ['fail', 'warning', 5, 'dns: the health check is disabled'],
    ]);
    expect(results({ compose: stack('      test: ["NONE"]') }, 'HARD-COMPOSE-001')).toEqual([
      ['fail', 'warning', 5, 'dns: healthcheck: NONE disables the health check'],
    ]);
  });

  it('a one-off job others wait for needs no health check and no restart policy', () => {
    const compose = [
      'services:',
      '  migrate:',
      '    image: acme/app:2.3.1',
      '    command: ["migrate"]',
      '  web:',
      '    image: acme/app:2.3.1',
      '    depends_on:',
      '      migrate:',
      '        condition: service_completed_successfully',
      '',
    ].join('\n');
    expect(results({ compose }, 'HARD-COMPOSE-001')[0]).toEqual([
      'skip',
      'warning',
      undefined,
      'migrate: a one-off job (web waits for it to complete): no health check needed',
    ]);
    expect(results({ compose }, 'HARD-COMPOSE-003')[0]).toEqual([
      'pass',
      'warning',
      undefined,
      'migrate: a one-off job (web waits for it to complete): it runs once',
    ]);
  });
});

describe('HARD-COMPOSE-002: waiting for a pulled image’s own health check', () => {
  const compose = (dependency: string) =>
    `services:\n  mail:\n    image: acme/mail:3.1.0\n    depends_on:\n      dns:\n        condition: service_healthy\n  dns:\n${dependency}\n`;

  it('does not call the health check missing: others gating on it say the image has one', () => {
    expect(results({ compose: compose('    image: acme/unbound:1.25.1') }, 'HARD-COMPOSE-001')).toEqual([
      [
        'fail',
        'notice',
        2,
        'mail: no healthcheck in compose; whether its image acme/mail:3.1.0 declares one cannot be seen statically (a full run with check-service-images measures it)',
      ],
      [
        'skip',
        'warning',
        undefined,
        "dns: no healthcheck in compose, but mail waits for it to be healthy: the health check is its image's own (acme/unbound:1.25.1), which cannot be judged statically",
      ],
    ]);
    // Built here, the Dockerfile says: it has none.
    expect(
      results(
        { compose: compose('    build: ./dns'), files: { 'dns/Dockerfile': 'FROM alpine:3.19\n' } },
        'HARD-COMPOSE-001',
      )[1],
    ).toEqual(['fail', 'warning', 7, 'dns: no healthcheck']);
  });

  it('is a notice (only the image shows its HEALTHCHECK), a disabled one a warning', () => {
    expect(results({ compose: compose('    image: acme/unbound:1.25.1') }, 'HARD-COMPOSE-002')[0]).toEqual([
      'fail',
      'notice',
      5,
      'mail: waits for dns to be healthy; dns has no healthcheck in compose, so this relies on the HEALTHCHECK of its image acme/unbound:1.25.1, which cannot be seen statically',
    ]);
    expect(
      results(
        { compose: compose('    image: acme/unbound:1.25.1\n    healthcheck:\n      disable: true') },
        'HARD-COMPOSE-002',
      )[0],
    ).toEqual(['fail', 'warning', 5, "mail: waits for dns to be healthy, but dns's health check is disabled"]);
    expect(
      results(
        { compose: compose('    image: acme/unbound:1.25.1\n    healthcheck:\n      interval: 30s') },
        'HARD-COMPOSE-002',
      )[0],
    ).toEqual(['fail', 'notice', 5, expect.stringContaining('relies on the HEALTHCHECK of its image')]);
  });
});

describe('HARD-COMPOSE-007: security options that switch confinement off', () => {
  it.each([
    ['label=disable', 'disables SELinux separation', ['5.3']],
    ['label:disable', 'disables SELinux separation', ['5.3']],
    ['seccomp=unconfined', 'disables seccomp', ['5.22']],
    ['seccomp:unconfined', 'disables seccomp', ['5.22']],
    ['apparmor=unconfined', 'disables AppArmor', ['5.2']],
    ['apparmor:unconfined', 'disables AppArmor', ['5.2']],
  ])('%s', (option, what, cis) => {
    const found = analyse({
      compose: `services:\n  api:\n    image: acme/api:1.0.0\n    security_opt:\n      - no-new-privileges:true\n      - ${option}\n`,
    }).filter((result) => result.id === 'HARD-COMPOSE-007' && result.status === 'fail');
    expect(found.map((result) => [result.severity, result.location?.line, result.message, result.cis])).toEqual([
      ['error', 6, `api: security_opt: ${option} ${what}`, cis],
    ]);
  });

  it('passes a profile of its own and no-new-privileges', () => {
    expect(
      check(
        'services:\n  api:\n    image: acme/api:1.0.0\n    security_opt: ["no-new-privileges:true", "seccomp=./seccomp.json", "apparmor=docker-default", "label=type:container_t"]\n',
        'HARD-COMPOSE-007',
      ),
    ).toEqual([]);
  });
});

describe('HARD-COMPOSE-009: a database port written through a variable', () => {
  const db = (port: string) => `services:\n  db:\n    image: postgres:16.2\n    ports:\n      - "${port}"\n`;

  it.each([
    ['${DB_PORT:-5432}:5432', {}, 'db: publishes 5432:5432 on all interfaces'],
    ['${DB_PORT:-5432}:5432', { DB_PORT: '15432' }, 'db: publishes 15432:5432 on all interfaces'],
    [
      '${POSTGRES_PORT}:5432',
      {},
      'db: publishes container port 5432 on all interfaces, on a host port Docker picks (:5432)',
    ],
    ['5432', {}, 'db: publishes container port 5432 on all interfaces, on a host port Docker picks (5432)'],
    ['${BIND_ADDRESS}:5432:5432', {}, 'db: publishes :5432:5432 on all interfaces'],
    ['0.0.0.0:5432:5432', {}, 'db: publishes 0.0.0.0:5432:5432 on all interfaces'],
    ['[::]:5432:5432', {}, 'db: publishes [::]:5432:5432 on all interfaces'],
  ])('fail %s whatever the variable holds', (port, env, message) => {
    expect(
      analyse({ compose: db(port), env })
        .filter((result) => result.id === 'HARD-COMPOSE-009' && result.status === 'fail')
        .map((result) => [result.location?.line, result.message]),
    ).toEqual([[5, message]]);
  });

  it.each([
    ['${DB_BIND:-127.0.0.1:5432}:5432', {}],
    ['${DB_BIND:-127.0.0.1}:${DB_PORT:-5432}:5432', { DB_PORT: '6543' }],
    ['[::1]:5432:5432', {}],
  ])('pass %s: on a host address', (port, env) => {
    expect(
      analyse({ compose: db(port), env }).filter(
        (result) => result.id === 'HARD-COMPOSE-009' && result.status === 'fail',
      ),
    ).toEqual([]);
  });
});

describe('HARD-COMPOSE-015: databases without authentication', () => {
  const service = (lines: string[]) => `services:\n  db:\n${lines.map((line) => `    ${line}`).join('\n')}\n`;

  it.each([
    [
      'postgres trusting every connection, published',
      ['image: postgres:16.2', 'environment:', '  POSTGRES_HOST_AUTH_METHOD: trust', 'ports: ["5432:5432"]'],
      [
        'error',
        5,
        'db: accepts connections without a password (POSTGRES_HOST_AUTH_METHOD=trust), published on all interfaces (5432:5432)',
      ],
    ],
    [
      'postgres trusting every connection, on loopback',
      ['image: postgres:16.2', 'environment:', '  - POSTGRES_HOST_AUTH_METHOD=trust', 'ports: ["127.0.0.1:5432:5432"]'],
      [
        'warning',
        5,
        'db: accepts connections without a password (POSTGRES_HOST_AUTH_METHOD=trust), published on 127.0.0.1:5432:5432',
      ],
    ],
    [
      'postgres trusting every connection, in the stack only',
      ['image: postgres:16.2', 'environment:', '  POSTGRES_HOST_AUTH_METHOD: trust'],
      [
        'notice',
        5,
        'db: accepts connections without a password (POSTGRES_HOST_AUTH_METHOD=trust), reachable from the stack only',
      ],
    ],
    [
      'pgbouncer with AUTH_TYPE trust',
      ['image: edoburu/pgbouncer:1.22.1', 'environment:', '  AUTH_TYPE: trust', 'ports: ["6432:5432"]'],
      [
        'error',
        5,
        'db: accepts connections without a password (AUTH_TYPE=trust), published on all interfaces (6432:5432)',
      ],
    ],
    [
      'mariadb allowed an empty root password',
      ['image: mariadb:11.4.2', 'environment:', '  MARIADB_ALLOW_EMPTY_ROOT_PASSWORD: "1"'],
      [
        'notice',
        5,
        'db: accepts connections without a password (MARIADB_ALLOW_EMPTY_ROOT_PASSWORD=1 without a root password), reachable from the stack only',
      ],
    ],
    [
      'mysql allowed an empty password, on the host network',
      ['image: mysql:8.4.0', 'network_mode: host', 'environment:', '  MYSQL_ALLOW_EMPTY_PASSWORD: "yes"'],
      [
        'error',
        6,
        'db: accepts connections without a password (MYSQL_ALLOW_EMPTY_PASSWORD=yes without a root password), on every interface of the host (network_mode: host)',
      ],
    ],
    [
      'redis without a password, published',
      ['image: redis:7.2.4', 'ports: ["6379:6379"]'],
      [
        'warning',
        3,
        'db: accepts connections without a password (no requirepass or ACL), published on all interfaces (6379:6379)',
      ],
    ],
    [
      'redis with a command but no password, published',
      ['image: valkey/valkey:7.2.5', 'command: valkey-server --appendonly yes', 'ports: ["${REDIS_PORT:-6379}:6379"]'],
      [
        'warning',
        4,
        'db: accepts connections without a password (no requirepass or ACL), published on all interfaces (6379:6379)',
      ],
    ],
    [
      'elasticsearch with security off, published',
      ['image: elasticsearch:8.13.0', 'environment:', '  - xpack.security.enabled=false', 'ports: ["9200:9200"]'],
      [
        'error',
        5,
        'db: accepts connections without a password (xpack.security.enabled=false), published on all interfaces (9200:9200)',
      ],
    ],
  ])('fail: %s', (_, lines, expected) => {
    expect(
      analyse({ compose: service(lines) })
        .filter((result) => result.id === 'HARD-COMPOSE-015' && result.status === 'fail')
        .map((result) => [result.severity, result.location?.line, result.message]),
    ).toEqual([expected]);
  });

  it.each([
    [
      'postgres with a password',
      [
        'image: postgres:16.2',
        'environment:',
        '  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}',
        'ports: ["5432:5432"]',
      ],
    ],
    [
      'postgres trust written as scram',
      ['image: postgres:16.2', 'environment:', '  POSTGRES_HOST_AUTH_METHOD: scram-sha-256'],
    ],
    [
      'mysql with a root password beside the empty-password switch',
      [
        'image: mysql:8.4.0',
        'environment:',
        '  MYSQL_ALLOW_EMPTY_PASSWORD: "yes"',
        '  MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db',
      ],
    ],
    [
      'mysql with the switch off',
      ['image: mysql:8.4.0', 'environment:', '  MYSQL_ALLOW_EMPTY_PASSWORD: "false"', 'ports: ["3306:3306"]'],
    ],
    [
      'redis with requirepass from the environment',
      [
        'image: redis:7.2.4',
        'command: ["redis-server", "--requirepass", "${REDIS_PASSWORD:?set it}"]',
        'ports: ["6379:6379"]',
      ],
    ],
    [
      'redis through a shell, requirepass read at run time',
      [
        'image: redis:7.2.4',
        'command: ["sh", "-c", "redis-server --requirepass \\"$$(cat /run/secrets/redis)\\""]',
        'ports: ["6379:6379"]',
      ],
    ],
    [
      'redis with a configuration file it reads',
      ['image: redis:7.2.4', 'command: redis-server /usr/local/etc/redis/redis.conf', 'ports: ["6379:6379"]'],
    ],
    ['redis without a password, in the stack only', ['image: redis:7.2.4']],
    ['redis without a password, on loopback', ['image: redis:7.2.4', 'ports: ["127.0.0.1:6379:6379"]']],
    [
      'mongo with a root user',
      ['image: mongo:7.0.9', 'environment:', '  MONGO_INITDB_ROOT_USERNAME: root', 'ports: ["27017:27017"]'],
    ],
  ])('pass: %s', (_, lines) => {
    expect(
      analyse({ compose: service(lines) }).filter(
        (result) => result.id === 'HARD-COMPOSE-015' && result.status === 'fail' && result.severity !== 'notice',
      ),
    ).toEqual([]);
  });
});
