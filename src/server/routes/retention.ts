import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { applyRetention, previewRetention, readRetentionPolicy, setRetentionPolicy, type StoredRetentionPolicy } from '../../app/retention.js';
import {
  retentionOutcomeSchema,
  retentionPolicyInputSchema,
  retentionPolicySchema,
  retentionPreviewSchema,
  type RetentionPolicyDto,
} from '../../protocol/retention-api.js';
import { needs } from '../access.js';
import { actorOf } from '../auth.js';
import type { ServerContext } from '../server-context.js';

function toPolicyDto({ policy, updatedAt, updatedBy }: StoredRetentionPolicy): RetentionPolicyDto {
  return {
    installation: { ...policy.installation },
    overrides: Object.fromEntries(Object.entries(policy.overrides).map(([app, rules]) => [app, { ...rules }])),
    updatedAt,
    updatedBy,
  };
}

/**
 * Retention (issue 10): the policy, a dry run, and applying it. All of it needs the `retention`
 * permission (admins): the preview lists every application's releases and deployments.
 */
export function retentionRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/retention/policy', { config: needs('retention'), schema: { response: { 200: retentionPolicySchema } } }, async () => toPolicyDto(await readRetentionPolicy(context.app)));

    app.put('/retention/policy', { config: needs('retention'), schema: { body: retentionPolicyInputSchema, response: { 200: retentionPolicySchema } } }, async (request) =>
      toPolicyDto(await setRetentionPolicy(context.app, actorOf(request).user, request.body)),
    );

    app.get('/retention/preview', { config: needs('retention'), schema: { response: { 200: retentionPreviewSchema } } }, async () => {
      const { generatedAt, policy, plan } = await previewRetention(context.app);
      return {
        generatedAt,
        policy: { installation: { ...policy.installation }, overrides: Object.fromEntries(Object.entries(policy.overrides).map(([name, rules]) => [name, { ...rules }])) },
        pruneReleases: plan.pruneReleases.map((verdict) => ({ ...verdict, reasons: [...verdict.reasons] })),
        keptReleases: plan.keptReleases.map((verdict) => ({ ...verdict, reasons: [...verdict.reasons] })),
        deleteArchives: plan.deleteArchives.map((verdict) => ({ digest: verdict.digest, releases: [...verdict.releases] })),
        deleteLogs: plan.deleteLogs.map((verdict) => ({ ...verdict, reasons: [...verdict.reasons] })),
        keptLogs: plan.keptLogs.map((verdict) => ({ ...verdict, reasons: [...verdict.reasons] })),
        environments: plan.environments.map((entry) => ({ ...entry })),
      };
    });

    app.post('/retention/apply', { config: needs('retention'), schema: { response: { 200: retentionOutcomeSchema } } }, async (request) => {
      const outcome = await applyRetention(context.app, actorOf(request).user, { address: request.ip ?? null });
      return { ...outcome, prunedReleases: outcome.prunedReleases.map((release) => ({ ...release })), deletedArchives: [...outcome.deletedArchives] };
    });
  };
}
