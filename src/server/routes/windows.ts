import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addWindow, calendar, listWindows, removeWindow, showWindow } from '../../app/windows.js';
import { calendarWindowSchema } from '../../core/calendar/window.js';
import { nameSchema } from '../../core/names.js';
import { authenticateToken, createCalendarFeedToken } from '../../app/api-tokens.js';
import type { Calendar } from '../../app/windows.js';
import { allows } from '../../core/access/access.js';
import type { Actor } from '../../core/actor.js';
import { renderICalendar } from '../../core/calendar/icalendar.js';
import { API_PREFIX, calendarQuerySchema, calendarSchema, windowSchema } from '../../protocol/api.js';
import { actorOf, throttled } from '../auth.js';
import { feedEvents } from '../calendar-feed.js';
import { toCalendarDto, toWindowDto } from '../dto.js';
import { needs, PUBLIC } from '../access.js';
import type { ServerContext } from '../server-context.js';

const DAY_MS = 86_400_000;
/** The feed shows a month back (what just happened) and half a year ahead. */
const FEED_PAST_DAYS = 31;
const FEED_FUTURE_DAYS = 183;

/** The calendar as `reader` may see it: windows are shared by all, changes only within their scope. */
function visibleTo(reader: Actor, shown: Calendar): Calendar {
  return { ...shown, changes: shown.changes.filter((change) => allows(reader.access, 'read', change)) };
}

/** Maintenance and freeze windows, and the calendar of their openings. */
export function windowRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/windows', { config: needs('read'), schema: { response: { 200: z.object({ windows: z.array(windowSchema) }) } } }, async () => ({
      windows: (await listWindows(context.app)).map(toWindowDto),
    }));

    app.post('/windows', { config: needs('windows'), schema: { body: calendarWindowSchema, response: { 201: windowSchema } } }, async (request, reply) => {
      return reply.code(201).send(toWindowDto(await addWindow(context.app, request.body)));
    });

    app.get('/windows/:name', { config: needs('read'), schema: { params: z.object({ name: nameSchema }), response: { 200: windowSchema } } }, async (request) =>
      toWindowDto(await showWindow(context.app, request.params.name)),
    );

    app.delete('/windows/:name', { config: needs('windows'), schema: { params: z.object({ name: nameSchema }) } }, async (request, reply) => {
      await removeWindow(context.app, request.params.name);
      return reply.code(204).send();
    });

    // For calendar apps, which subscribe by URL: a read-only feed token in the query, never an API token.
    app.post('/calendar/feed-token', { config: needs('read'), schema: { response: { 201: z.object({ token: z.string(), path: z.string() }) } } }, async (request, reply) => {
      const token = await createCalendarFeedToken(context.app, actorOf(request));
      return reply.code(201).send({ token, path: `${API_PREFIX}/calendar.ics?token=${token}` });
    });

    app.get('/calendar.ics', { config: PUBLIC, schema: { querystring: z.strictObject({ token: z.string().max(200).optional() }) } }, async (request, reply) => {
      const reader = await throttled(context.authThrottle, request.ip, reply, () => authenticateToken(context.app, request.query.token, 'calendar-feed'));
      const now = context.app.clock.now();
      const shown = visibleTo(reader, await calendar(context.app, { from: new Date(now.getTime() - FEED_PAST_DAYS * DAY_MS), to: new Date(now.getTime() + FEED_FUTURE_DAYS * DAY_MS) }));
      return reply.type('text/calendar; charset=utf-8').send(renderICalendar({ name: 'Gantry changes', generatedAt: now, events: feedEvents(shown) }));
    });

    app.get('/calendar', { config: needs('read'), schema: { querystring: calendarQuerySchema, response: { 200: calendarSchema } } }, async (request) => {
      const { from, to, environment, app: application } = request.query;
      return toCalendarDto(
        visibleTo(
          actorOf(request),
          await calendar(context.app, {
            from: from === undefined ? undefined : new Date(from),
            to: to === undefined ? undefined : new Date(to),
            environment,
            app: application,
          }),
        ),
      );
    });
  };
}
