import * as github from '@actions/github';
import { errorMessage } from '../util/errors.js';

// One sticky comment per checked context on the pull request: found again by a hidden marker and
// updated in place, so re-runs never pile up comments. Without write access (a fork's PR with a
// read-only token) the summary still has everything: that is a notice, never a failure.

export type CommentOutcome = { done: 'created' | 'updated'; url: string } | { done: 'skipped'; why: string };

export function commentMarker(context: string): string {
  return `<!-- cs-docker-hardening:${context} -->`;
}

export async function upsertComment(token: string, marker: string, body: string): Promise<CommentOutcome> {
  const { context } = github;
  const number = context.payload.pull_request?.number;
  if (!number) return { done: 'skipped', why: `not a pull request event (${context.eventName})` };
  if (!token) return { done: 'skipped', why: 'no github-token' };
  const octokit = github.getOctokit(token);
  const { owner, repo } = context.repo;
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100,
    });
    const existing = comments.find((comment) => comment.body?.includes(marker));
    if (existing) {
      const updated = await octokit.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body });
      return { done: 'updated', url: updated.data.html_url };
    }
    const created = await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
    return { done: 'created', url: created.data.html_url };
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403 || status === 404)
      return {
        done: 'skipped',
        why: `the token may not write to this pull request (HTTP ${status}; a fork's pull request gets a read-only token)`,
      };
    throw new Error(`could not comment on pull request #${number}: ${errorMessage(error)}`, { cause: error });
  }
}
