#!/usr/bin/env node
// Builds the committed bundles: dist/index.js (the action) and dist/cli.js (the CLI), with
// @vercel/ncc. ncc takes one entry per run; both bundles need the same assets (protobuf files
// of dockerode's gRPC client), so each is built into a scratch directory and merged into dist/.
// The output is byte-identical across rebuilds, which the check-dist workflow relies on.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const entries = [
  ['src/index.ts', 'index.js'],
  ['src/cli.ts', 'cli.js'],
];
const EXPECTED = new Set([
  ...entries.flatMap(([, name]) => [name, name.replace(/\.js$/, '.licenses.txt')]),
  'package.json',
  'auth.proto',
  'buildkit_status.proto',
  'proto',
  'protoc-gen-validate',
  'xds',
  'pagent.exe',
]);
const scratch = mkdtempSync(join(tmpdir(), 'cs-hardening-bundle-'));
try {
  rmSync('dist', { recursive: true, force: true });
  for (const [source, name] of entries) {
    const out = join(scratch, name);
    execFileSync('npx', ['ncc', 'build', source, '-o', out, '--quiet', '--license', 'licenses.txt'], {
      stdio: 'inherit',
    });
    renameSync(join(out, 'index.js'), join(out, name));
    renameSync(join(out, 'licenses.txt'), join(out, name.replace(/\.js$/, '.licenses.txt')));
    cpSync(out, 'dist', { recursive: true });
  }
  // ncc ships a file the code reads by a path it can work out at build time (dockerode's
  // protobuf files, ssh2's Windows agent). A path of the project's own that it works out from the
  // build machine's working directory would be shipped too, and the bundle would read that copy
  // instead of the user's file: refuse anything but the known assets.
  const shipped = readdirSync('dist').sort();
  const unexpected = shipped.filter((name) => !EXPECTED.has(name));
  if (unexpected.length > 0) {
    throw new Error(
      `ncc shipped ${unexpected.join(', ')} in dist/: code reads a path ncc resolved at build time; build that path from runtime values only`,
    );
  }
  console.log(`dist/: ${shipped.join(' ')}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
