// The checks of category `compose`: the compose files read (compose/files.ts) and the stack
// brought up (compose/up.ts): what is in force in it (compose/in-force.ts), what it logged
// (compose/logs.ts), the user's smoke tests against it (compose/smoke.ts), each service crashed
// and its recovery (compose/crash-recovery.ts), each dependency stopped and its dependents'
// health checks watched (compose/dependency-outage.ts), each namespace's way out
// (compose/network-isolation.ts).
export * from './files.js';
export * from './up.js';
export * from './in-force.js';
export * from './logs.js';
export * from './smoke.js';
export * from './crash-recovery.js';
export * from './dependency-outage.js';
export * from './network-isolation.js';
