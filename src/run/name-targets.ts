import { redacted, secretIn } from '../util/secrets.js';
import { buildIdentity, type BuildIdentity, type DockerfileFacts } from './build-identity.js';
import type { Draft } from './draft-targets.js';

// The name each target goes by in the reports: the one the user gave, else what it is, with what
// tells apart the builds of one Dockerfile, and a count when two would still have the same.

/**
 * Builds of one Dockerfile that stay apart (another stage, other build args) are named so a
 * reader sees why: `server (skip_frontend_build=true)` beside `. (skip_frontend_build unset)`.
 * Names the user gave are kept as they are; a secret-looking value is never shown.
 */
export function tellApart(drafts: Draft[], read: (path: string) => DockerfileFacts | null): Draft[] {
  const groups = new Map<string, { draft: Draft; build: BuildIdentity }[]>();
  for (const draft of drafts) {
    if (draft.kind !== 'build') continue;
    const build = buildIdentity(draft, read);
    if (build) groups.set(build.source, [...(groups.get(build.source) ?? []), { draft, build }]);
  }
  const suffix = new Map<Draft, string>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const facts = read(members[0].draft.dockerfilePath!);
    const stages = new Set(members.map(({ build }) => build.stage));
    const names = [...new Set(members.flatMap(({ build }) => Object.keys(build.args)))].sort();
    const differing = names.filter((name) => new Set(members.map(({ build }) => build.args[name])).size > 1);
    for (const { draft, build } of members) {
      const parts: string[] = [];
      // A target given as `dir#stage` already says its stage.
      if (stages.size > 1 && !draft.label.endsWith(`#${draft.stage}`))
        parts.push(build.stage ? `stage ${draft.stage}` : 'last stage');
      for (const name of differing) parts.push(describeArg(name, build.args[name], facts));
      if (parts.length > 0) suffix.set(draft, ` (${parts.join(', ')})`);
    }
  }
  return drafts.map((draft) =>
    draft.name === null && suffix.has(draft) ? { ...draft, label: `${draft.label}${suffix.get(draft)}` } : draft,
  );
}

/** `NAME=value` as the build sees it: the given value, else the Dockerfile's default, else unset. */
function describeArg(name: string, given: string | undefined, facts: DockerfileFacts | null): string {
  const value = given ?? facts?.declared.get(name) ?? null;
  if (value === null) return `${name} unset`;
  if (secretIn(name, value)) return `${name}=${redacted(value)}`;
  return `${name}=${value.length > 40 ? `${value.slice(0, 39)}…` : value}`;
}

export function nameTargets(drafts: Draft[]): Draft[] {
  const used = new Map<string, number>();
  return drafts.map((draft) => {
    const wanted = draft.name ?? draft.label;
    const count = (used.get(wanted) ?? 0) + 1;
    used.set(wanted, count);
    return { ...draft, name: count === 1 ? wanted : `${wanted} (${count})` };
  });
}
