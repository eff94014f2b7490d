import type { Report } from '../model.js';
import { writeFileAtomic } from '../util/atomic-write.js';

export function renderJson(report: Report): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

export async function writeJsonReport(path: string, report: Report): Promise<void> {
  await writeFileAtomic(path, renderJson(report));
}
