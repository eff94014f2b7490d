#!/usr/bin/env node
import './util/dirname-shim.js';
import { runCli } from './cli/main.js';

// package.json says Node >= 22 (fs.glob for merge, and the versions the bundled libraries
// support); on an older one, say so in one line instead of failing halfway through a run.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`cs-docker-hardening: needs Node.js 22 or later; this is ${process.version}\n`);
  process.exitCode = 2;
} else {
  process.exitCode = await runCli({
    argv: process.argv.slice(2),
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
  });
}
