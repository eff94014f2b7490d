import { OUTPUTS } from '../inputs/outputs.js';
import { INPUTS, INPUT_NAMES } from '../inputs/definitions.js';

// The README's input and output tables, generated between markers (npm run docs).

export const INPUTS_MARKERS = ['<!-- inputs:start -->', '<!-- inputs:end -->'] as const;
export const OUTPUTS_MARKERS = ['<!-- outputs:start -->', '<!-- outputs:end -->'] as const;

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function renderInputsTable(): string {
  const rows = INPUT_NAMES.map((name) => {
    const definition = INPUTS[name];
    const aliases = (definition.aliases ?? []).map((alias) => `, \`--${alias}\``).join('');
    const fallback = definition.default === '' ? '' : `\`${definition.default}\``;
    return `| \`${name}\` | \`--${name}\`${aliases} | ${cell(definition.kind.form)} | ${fallback} | ${cell(definition.description)} |`;
  });
  return ['| Input | CLI flag | Form | Default | Description |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

export function renderOutputsTable(): string {
  const rows = Object.entries(OUTPUTS).map(([name, description]) => `| \`${name}\` | ${cell(description)} |`);
  return ['| Output | Description |', '| --- | --- |', ...rows].join('\n');
}

/** Replaces what stands between the markers; throws when a marker is missing. */
export function replaceBetween(text: string, markers: readonly [string, string], content: string): string {
  const start = text.indexOf(markers[0]);
  const end = text.indexOf(markers[1]);
  if (start === -1 || end === -1 || end < start) throw new Error(`markers ${markers.join(' … ')} not found`);
  return `${text.slice(0, start + markers[0].length)}\n${content}\n${text.slice(end)}`;
}
