/** `gantry feedback link|give|list`: feedback after a deployment (issue 10). */
import type { FeedbackSummaryDto } from '../../client/api-client.js';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { NONE } from '../format.js';

const average = (value: number | null) => (value === null ? NONE : value.toFixed(2));
const distribution = (counts: FeedbackSummaryDto['distribution']) => (['1', '2', '3', '4', '5'] as const).map((rating) => `${rating}★ ${counts[rating]}`).join('  ');

/** The summary as lines: overall, then one per environment. */
export function feedbackSummaryLines(summary: FeedbackSummaryDto): string[] {
  if (summary.count === 0) return ['no feedback yet'];
  return [
    `${summary.count} rating${summary.count === 1 ? '' : 's'}, average ${average(summary.average)}   ${distribution(summary.distribution)}`,
    ...summary.environments.map((row) => `  ${row.environment}: ${row.count}, average ${average(row.average)}   ${distribution(row.distribution)}`),
  ];
}

export async function createFeedbackLink(ctx: CommandContext, deploymentId: string, options: { audience?: string; expires?: string; json?: boolean }): Promise<number> {
  const link = await connect(ctx).createFeedbackLink(deploymentId, { ...(options.audience === undefined ? {} : { audience: options.audience }), ...(options.expires === undefined ? {} : { expires: options.expires }) });
  if (options.json) {
    ctx.output.json(link);
    return EXIT_CODES.ok;
  }
  ctx.output.line(link.url);
  ctx.output.line(`for ${link.audience}, valid until ${link.expiresAt}; anyone holding the link may answer (up to 100 answers)`);
  return EXIT_CODES.ok;
}

export async function giveFeedback(ctx: CommandContext, deploymentId: string, options: { rating: string; comment?: string; json?: boolean }): Promise<number> {
  const entry = await connect(ctx).giveFeedback(deploymentId, { rating: options.rating, ...(options.comment === undefined ? {} : { comment: options.comment }) });
  if (options.json) ctx.output.json(entry);
  else ctx.output.line(`recorded your rating of ${entry.rating} for ${entry.app} ${entry.version} in ${entry.environment} (${entry.id})`);
  return EXIT_CODES.ok;
}

export async function listFeedback(ctx: CommandContext, app: string, version: string, options: { json?: boolean }): Promise<number> {
  const feedback = await connect(ctx).releaseFeedback(app, version);
  if (options.json) {
    ctx.output.json(feedback);
    return EXIT_CODES.ok;
  }
  ctx.output.line(`feedback on ${app} ${version}:`);
  for (const line of feedbackSummaryLines(feedback.summary)) ctx.output.line(line);
  if (feedback.entries.length === 0) return EXIT_CODES.ok;
  ctx.output.line();
  ctx.output.table(
    ['WHEN', 'ENVIRONMENT', 'RATING', 'WHO', 'VIA', 'DEPLOYMENT', 'COMMENT'],
    feedback.entries.map((entry) => [entry.createdAt, entry.environment, String(entry.rating), entry.who, entry.via, entry.deploymentId, entry.comment?.replace(/\s+/g, ' ') ?? NONE]),
  );
  return EXIT_CODES.ok;
}
