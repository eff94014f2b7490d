import { formatSeconds } from '../../util/format.js';
import { defineCheck } from '../registry.js';

// The stack brought up with compose: every service healthy, started in dependency order.

export const checkStackHealthy = defineCheck({
  id: 'HARD-COMPOSE-012',
  cis: ['5.27'],
  category: 'compose',
  severity: 'error',
  title: 'The compose stack comes up healthy',
  proves:
    "`docker compose up --wait` brings every service to healthy (running, for a service without health check) within compose-up-timeout-seconds; each service's time to healthy is reported.",
  why: 'A stack whose parts each pass alone can still fail together: wrong hostnames, passwords, ports, start order.',
  threshold: 'compose-up-timeout-seconds: 300',
  remediation:
    'Read which service did not become healthy and its state; bring the stack up by hand (`docker compose up`) to see its logs.',
  needs: ['composeUp'],
  run({ composeUp }) {
    const timeline = composeUp.services
      .map(
        (service) =>
          `${service.service} ${service.healthyAt !== null ? `healthy at ${formatSeconds(service.healthyAt)}` : `${service.health ?? service.state}`}`,
      )
      .join(', ');
    const bad = composeUp.services.filter((service) =>
      service.health !== null ? service.health !== 'healthy' : service.state !== 'running',
    );
    const measured = composeUp.services.map((service) => ({
      service: service.service,
      healthyAt: service.healthyAt,
      startedAt: service.startedAt,
      image: service.image,
      state: service.state,
      health: service.health,
      exitCode: service.exitCode,
    }));
    if (composeUp.ok && bad.length === 0)
      return {
        status: 'pass',
        message: `${composeUp.services.length} services up in ${formatSeconds(composeUp.seconds)}: ${timeline}`,
        measured,
      };
    const why =
      bad.length > 0
        ? bad
            .map(
              (service) =>
                `${service.service} is ${service.health ?? service.state}${service.state === 'exited' ? ` (exit ${service.exitCode})` : ''}`,
            )
            .join(', ')
        : composeUp.output.split('\n').slice(-3).join(' | ');
    return {
      status: 'fail',
      message: `not up after ${formatSeconds(composeUp.seconds)}: ${why}; ${timeline}`,
      measured,
    };
  },
});

export const checkStartOrder = defineCheck({
  id: 'HARD-COMPOSE-013',
  category: 'compose',
  severity: 'warning',
  title: 'Services start after their dependencies are healthy',
  proves:
    'In the real bring-up, every service with `depends_on: … condition: service_healthy` started after that dependency first passed its health check.',
  why: 'The health gates are only worth their config if the engine honours them: a dependent that starts early hits a database that is not ready.',
  remediation: 'Declare the gates with `condition: service_healthy` and give each dependency a real health check.',
  needs: ['composeUp'],
  run({ composeUp }) {
    if (composeUp.gates.length === 0) return { status: 'skip', message: 'no service_healthy gate is declared' };
    const broken = composeUp.gates.filter((gate) => gate.honoured === false);
    const describe = composeUp.gates
      .map(
        (gate) =>
          `${gate.service} started ${gate.marginSeconds === null ? '?' : formatSeconds(Math.abs(gate.marginSeconds))} ${gate.marginSeconds !== null && gate.marginSeconds < 0 ? 'before' : 'after'} ${gate.dependsOn} was healthy`,
      )
      .join('; ');
    if (broken.length > 0) return { status: 'fail', message: describe, measured: composeUp.gates };
    if (composeUp.gates.some((gate) => gate.honoured === null))
      return {
        status: 'fail',
        message: `some gates could not be verified (a dependency never became healthy): ${describe}`,
        measured: composeUp.gates,
      };
    return { status: 'pass', message: describe, measured: composeUp.gates };
  },
});
