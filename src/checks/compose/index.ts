// The checks of category `compose`: the compose files read (compose/files.ts) and the stack
// brought up (compose/up.ts).
export * from './files.js';
export * from './up.js';
