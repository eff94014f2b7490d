import AjvModule from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './run.js';

// The published JSON Schemas (docs/*.schema.json), compiled strictly: a report or a config that
// does not match is an error list, never a pass.

export type Validator = { (data: unknown): boolean; errors?: unknown[] | null };

// ajv is CommonJS: under ESM its class is the default export's `default`.
const Ajv = ((AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule) as unknown as new (
  options: object,
) => { compile(schema: object): Validator };
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });

function compile(file: string): Validator {
  return ajv.compile(JSON.parse(readFileSync(join(REPO, 'docs', file), 'utf8')) as object);
}

export const reportSchema = compile('report.schema.json');
export const configSchema = compile('config.schema.json');

/** The schema's errors for this data ([] when it matches). */
export function schemaErrors(validate: Validator, data: unknown): unknown[] {
  validate(data);
  return validate.errors ?? [];
}
