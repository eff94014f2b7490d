// Must be the first import of every entry point. In the ESM bundle, ssh2 (dockerode ->
// docker-modem -> ssh2) carries emscripten glue that reads a free `__dirname` at load time and
// crashes with "ReferenceError: __dirname is not defined". Defining it from import.meta.url
// before dockerode is evaluated makes it load.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const scope = globalThis as { __dirname?: string };
scope.__dirname ??= dirname(fileURLToPath(import.meta.url));
