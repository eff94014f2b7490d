// npm run docs: writes action.yml, docs/checks.md and the README's tables from the source.
import { readFileSync, writeFileSync } from 'node:fs';
import { renderActionYml } from '../src/docs/action-yml.js';
import { renderChecksDoc } from '../src/docs/checks-md.js';
import { renderConfigSchema } from '../src/docs/config-schema.js';
import {
  INPUTS_MARKERS,
  OUTPUTS_MARKERS,
  renderInputsTable,
  renderOutputsTable,
  replaceBetween,
} from '../src/docs/readme-tables.js';

writeFileSync('action.yml', renderActionYml());
writeFileSync('docs/checks.md', renderChecksDoc());
writeFileSync('docs/config.schema.json', renderConfigSchema());
let readme = readFileSync('README.md', 'utf8');
readme = replaceBetween(readme, INPUTS_MARKERS, renderInputsTable());
readme = replaceBetween(readme, OUTPUTS_MARKERS, renderOutputsTable());
writeFileSync('README.md', readme);
console.log('wrote action.yml, docs/checks.md, docs/config.schema.json, README.md tables');
