// The checks of category `filesystem`: what the image's files allow and hold (filesystem/files.ts)
// and what architecture its binaries are built for (filesystem/architecture.ts).
export * from './files.js';
export * from './architecture.js';
