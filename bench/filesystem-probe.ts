// Child process of the benchmark: collects an image's filesystem evidence and reports the time it
// took and the process's peak memory (its own process, so nothing else counts in the peak).
import '../src/util/dirname-shim.js';
import { connectEngine } from '../src/docker/engine.js';
import { collectFilesystemEvidence } from '../src/evidence/filesystem.js';

const image = process.argv[2];
const engine = await connectEngine();
const started = performance.now();
const filesystem = await collectFilesystemEvidence(engine, {
  image,
  workingDir: '/',
  user: '',
  platform: { os: 'linux', architecture: 'amd64' },
  measureCompressed: false,
});
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  JSON.stringify({
    seconds,
    peakMb: process.resourceUsage().maxRSS / 1024,
    files: Object.keys(filesystem.files).length,
    layers: filesystem.layers.length,
    gigabytes: filesystem.bytesRead / 1e9,
  }),
);
