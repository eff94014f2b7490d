import { CIS_RECOMMENDATIONS } from '../cis.js';
import type { CheckResult, CisCoverage, CisStatus } from '../model.js';

// Which CIS Docker Benchmark recommendations a run proved, from the results that name them: a
// recommendation is met only when a check that proves it ran and passed and none failed; one no
// check of this run judged is "not judged here", with the reason; one no image gate can prove
// says so. Nothing is met by default.

/** The recommendations each check examines (its definition's `cis`), by check id. */
export type CisOfChecks = ReadonlyMap<string, readonly string[]>;

export function cisOfChecks(checks: readonly { id: string; cis?: readonly string[] }[]): CisOfChecks {
  return new Map(checks.map((check) => [check.id, check.cis ?? []]));
}

export function cisCoverage(results: readonly CheckResult[], examined: CisOfChecks): CisCoverage[] {
  return CIS_RECOMMENDATIONS.map((recommendation) => {
    // A finding names the recommendations it breaks; the check examined all of its own, so a
    // finding about privileged mode is, for CIS 5.10 (host network), a pass of that service.
    const about = results
      .filter(
        (result) => result.cis?.includes(recommendation.id) || examined.get(result.id)?.includes(recommendation.id),
      )
      .map((result) =>
        result.status === 'fail' && !result.cis?.includes(recommendation.id)
          ? { ...result, status: 'pass' as const }
          : result,
      );
    const ids = (status: CheckResult['status']): string[] => [
      ...new Set(about.filter((result) => result.status === status).map((result) => result.id)),
    ];
    const base = { id: recommendation.id, section: recommendation.section, title: recommendation.title };
    const extent = recommendation.extent ?? null;
    if (about.length === 0) {
      if (recommendation.outside) return { ...base, status: 'outside', checks: [], note: recommendation.outside };
      return { ...base, status: 'not-judged', checks: [], note: 'no check of this run judges it' };
    }
    const failed = ids('fail');
    if (failed.length > 0) return { ...base, status: 'not-met', checks: failed, note: extent };
    const errored = ids('error');
    if (errored.length > 0) return { ...base, status: 'error', checks: errored, note: 'a check could not run' };
    const passed = ids('pass');
    if (passed.length > 0) return { ...base, status: 'met', checks: passed, note: extent };
    // Every check that proves it skipped: why, in the words of the first.
    const skipped = about.filter((result) => result.status === 'skip');
    return {
      ...base,
      status: 'not-judged',
      checks: [...new Set(skipped.map((result) => result.id))],
      note: skipped[0]?.message ?? null,
    };
  });
}

/** Counts by status, for one line above the table. */
export function cisTally(coverage: readonly CisCoverage[]): Record<CisStatus, number> {
  const tally: Record<CisStatus, number> = { met: 0, 'not-met': 0, error: 0, 'not-judged': 0, outside: 0 };
  for (const entry of coverage) tally[entry.status]++;
  return tally;
}
