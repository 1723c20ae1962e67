import type { NotificationEvent } from '../core/notify/events.js';
import type { AppDeps } from './app-deps.js';
import { requireDeployment } from './deployments.js';
import { releaseNotes } from './release-notes.js';

/** Commits listed in a message; the rest are counted. */
const LISTED_COMMITS = 10;

/**
 * A deployment's start and success carry its release notes: the commits between the release live
 * in the environment when the deployment was requested and the one it deploys. Releases without
 * recorded commits add nothing.
 */
export async function withReleaseNotes(deps: AppDeps, event: NotificationEvent): Promise<NotificationEvent> {
  if (event.type !== 'deployment.started' && event.type !== 'deployment.succeeded') return event;
  const deployment = await requireDeployment(deps, String(event.data.deployment));
  if (deployment.kind !== 'deploy') return event;
  const notes = await releaseNotes(deps, deployment.app, deployment.version, deployment.environment, { liveBefore: deployment.createdAt });
  if (notes.commits.length === 0) return event;
  const listed = notes.commits.slice(0, LISTED_COMMITS).map((commit) => `${commit.sha.slice(0, 12)} ${commit.subject} (${commit.authorName})`);
  const more = notes.commits.length - listed.length;
  return {
    ...event,
    lines: [
      ...event.lines,
      `${notes.commits.length} commit${notes.commits.length === 1 ? '' : 's'} since ${notes.from ? notes.from.version : 'the first release'}:`,
      ...listed,
      ...(more > 0 ? [`…and ${more} more`] : []),
    ],
    data: { ...event.data, commits: notes.commits.map((commit) => ({ sha: commit.sha, subject: commit.subject, author: commit.authorName, committedAt: commit.committedAt })) },
  };
}
