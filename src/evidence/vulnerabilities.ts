import { readFile } from 'node:fs/promises';
import { UsageError, errorMessage } from '../util/errors.js';
import { parseVulnerabilityReport, type VulnerabilityReport } from './vulnerability-findings.js';

// Reads a scanner's report (Trivy, Grype, SARIF); `vulnerability-findings.ts` parses it, counts and
// compares findings without I/O, so the checks and the report can import it.

export async function readVulnerabilityReport(
  path: string,
  shown: string,
  input: string,
): Promise<VulnerabilityReport> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `${input}: cannot read ${shown} (${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}); give the JSON or SARIF file the scanner wrote`,
      { cause: error },
    );
  }
  return parseVulnerabilityReport(text, shown, input);
}
