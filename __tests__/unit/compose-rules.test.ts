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
    image: postgres:15-bookworm
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
  ['HARD-COMPOSE-001', 'services:\n  web:\n    image: nginx:1\n', [['warning', 2, 'web: no healthcheck']]],
  [
    'HARD-COMPOSE-002',
    'services:\n  web:\n    image: nginx:1\n    depends_on: [db]\n  db:\n    image: postgres:15\n',
    [['warning', 4, 'web: depends on db without a condition: it starts before db is ready']],
  ],
  [
    'HARD-COMPOSE-002',
    'services:\n  web:\n    image: nginx:1\n    depends_on:\n      db:\n        condition: service_healthy\n  db:\n    image: postgres:15\n',
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
