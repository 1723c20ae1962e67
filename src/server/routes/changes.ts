import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  cancelChange,
  changeConflicts,
  changeCreateSchema,
  changeDecisionSchema,
  changeHistory,
  changeListSchema,
  changeReviewSchema,
  changeReviseSchema,
  createChange,
  decideChange,
  listChanges,
  nextSlots,
  requireChange,
  reviewChange,
  reviseChange,
  sendBackChange,
  submitChange,
} from '../../app/changes.js';
import { changeCommunications } from '../../app/change-communications.js';
import { changeIdSchema } from '../../core/change/change-request.js';
import { changeFeedbackSummary } from '../../app/feedback.js';
import { renderPlanMarkdown } from '../../core/change/plan-markdown.js';
import { durationSchema } from '../../core/duration.js';
import { GantryError } from '../../core/errors.js';
import { changeEventSchema, changeSchema, communicationNoticeListSchema, conflictSchema, freeSlotsSchema } from '../../protocol/changes-api.js';
import { actorOf } from '../auth.js';
import { toChangeDto, toChangeEventDto, toChangeWithFeedbackDto, toConflictDto, toFreeSlotsDto } from '../change-dto.js';
import { changeById, fromBody, mayAccess, needs } from '../access.js';
import type { ServerContext } from '../server-context.js';

const idParams = z.object({ id: changeIdSchema });

/** Change requests and their deployment plans: the plan is the change. */
export function changeRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    const deps = context.app;
    const byId = changeById(context);

    app.post('/changes', { config: needs('change', fromBody), schema: { body: changeCreateSchema, response: { 201: changeSchema } } }, async (request, reply) =>
      reply.code(201).send(toChangeDto(await createChange(deps, actorOf(request), request.body))),
    );

    app.get('/changes', { config: needs('read'), schema: { querystring: changeListSchema, response: { 200: z.object({ changes: z.array(changeSchema) }) } } }, async (request) => ({
      changes: (await listChanges(deps, request.query)).filter((change) => mayAccess(request, 'read', change.computed)).map(toChangeDto),
    }));

    // With the feedback on its deployment, which its review weighs.
    app.get('/changes/:id', { config: needs('read', byId), schema: { params: idParams, response: { 200: changeSchema } } }, async (request) =>
      toChangeWithFeedbackDto(await requireChange(deps, request.params.id), await changeFeedbackSummary(deps, request.params.id)),
    );

    app.get('/changes/:id/plan.md', { config: needs('read', byId), schema: { params: idParams } }, async (request, reply) => {
      const change = await requireChange(deps, request.params.id);
      const { approvalPolicy, approvals, computed, id, plan, planVersion, requester, risk, state, title, type } = change;
      return reply.type('text/markdown; charset=utf-8').send(renderPlanMarkdown({ id, title, type, state, requester, planVersion, plan, computed, risk, approvalPolicy, approvals }));
    });

    app.get('/changes/:id/history', { config: needs('read', byId), schema: { params: idParams, response: { 200: z.object({ events: z.array(changeEventSchema) }) } } }, async (request) => ({
      events: (await changeHistory(deps, request.params.id)).map(toChangeEventDto),
    }));

    app.get('/changes/:id/conflicts', { config: needs('read', byId), schema: { params: idParams, response: { 200: z.object({ conflicts: z.array(conflictSchema) }) } } }, async (request) => {
      const change = await requireChange(deps, request.params.id);
      const window = change.plan.window;
      if (!window) throw new GantryError('CHANGE_NOT_READY', `change ${change.id} has no planned window to check`, { where: 'plan.window' });
      return { conflicts: (await changeConflicts(deps, change, { start: new Date(window.start), end: new Date(window.end) })).map(toConflictDto) };
    });

    app.get('/changes/:id/communications', { config: needs('read', byId), schema: { params: idParams, response: { 200: communicationNoticeListSchema } } }, async (request) => ({
      notices: (await changeCommunications(deps, request.params.id)).notices.map(({ onceKey: _key, recipients, ...notice }) => ({ ...notice, recipients: [...recipients] })),
    }));

    app.get(
      '/changes/:id/next-slots',
      { config: needs('read', byId), schema: { params: idParams, querystring: z.strictObject({ duration: z.string().optional() }), response: { 200: freeSlotsSchema } } },
      async (request) => {
        const duration = request.query.duration === undefined ? undefined : durationSchema.safeParse(request.query.duration);
        if (duration && !duration.success) throw new GantryError('REQUEST_INVALID', `duration ${request.query.duration} is not a duration like 90m or 4h`, { where: 'duration' });
        return toFreeSlotsDto(await nextSlots(deps, request.params.id, duration?.data));
      },
    );

    app.patch('/changes/:id', { config: needs('change', byId), schema: { params: idParams, body: changeReviseSchema, response: { 200: changeSchema } } }, async (request) =>
      toChangeDto(await reviseChange(deps, actorOf(request), request.params.id, request.body)),
    );

    app.post('/changes/:id/submit', { config: needs('change', byId), schema: { params: idParams, response: { 200: changeSchema } } }, async (request) => toChangeDto(await submitChange(deps, actorOf(request), request.params.id)));

    for (const decision of ['approve', 'reject'] as const) {
      app.post(`/changes/:id/${decision}`, { config: needs('approve', byId), schema: { params: idParams, body: changeDecisionSchema.nullish(), response: { 200: changeSchema } } }, async (request) =>
        toChangeDto(await decideChange(deps, actorOf(request), request.params.id, decision, request.body ?? {})),
      );
    }

    app.post('/changes/:id/send-back', { config: needs('approve', byId), schema: { params: idParams, body: changeDecisionSchema.nullish(), response: { 200: changeSchema } } }, async (request) =>
      toChangeDto(await sendBackChange(deps, actorOf(request), request.params.id, request.body ?? {})),
    );

    app.post('/changes/:id/cancel', { config: needs('change', byId), schema: { params: idParams, response: { 200: changeSchema } } }, async (request) => toChangeDto(await cancelChange(deps, actorOf(request), request.params.id)));

    app.post('/changes/:id/review', { config: needs('approve', byId), schema: { params: idParams, body: changeReviewSchema.nullish(), response: { 200: changeSchema } } }, async (request) =>
      toChangeWithFeedbackDto(await reviewChange(deps, actorOf(request), request.params.id, request.body ?? {}), await changeFeedbackSummary(deps, request.params.id)),
    );
  };
}
