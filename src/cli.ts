#!/usr/bin/env node
import './util/dirname-shim.js';
import { runCli } from './cli/main.js';

process.exitCode = await runCli({
  argv: process.argv.slice(2),
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
