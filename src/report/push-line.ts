import type { PushRecord } from '../model.js';

// One sentence on what became of the proven image with `push: true`: the terminal, the job summary
// and the PR comment say the same.

export function describePush(push: PushRecord): string {
  const tags = push.tags.join(', ');
  const digests = new Set(push.pushed.map((entry) => entry.digest));
  // One digest for every tag (one registry, or a store that pushes its own blobs): said once.
  const pushedAs =
    digests.size === 1
      ? `${push.pushed.map((entry) => entry.tag).join(', ')} as ${[...digests][0]}`
      : push.pushed.map((entry) => `${entry.tag} as ${entry.digest}`).join(', ');
  switch (push.outcome) {
    case 'pushed':
      return `Pushed ${pushedAs}: the image this run proved (${push.imageId ?? 'no id'})`;
    case 'withheld':
      return `Not pushed (${tags}): ${push.reason ?? 'withheld'}`;
    case 'failed':
      return `Push failed (${tags}): ${push.reason ?? 'the registry refused it'}${push.pushed.length > 0 ? `; pushed before it: ${pushedAs}` : ''}`;
  }
}
