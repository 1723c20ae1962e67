import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addWindow, calendar, listWindows, removeWindow, showWindow } from '../../app/windows.js';
import { calendarWindowSchema } from '../../core/calendar/window.js';
import { nameSchema } from '../../core/names.js';
import { calendarQuerySchema, calendarSchema, windowSchema } from '../../protocol/api.js';
import { toCalendarDto, toWindowDto } from '../dto.js';
import type { ServerContext } from '../server-context.js';

/** Maintenance and freeze windows, and the calendar of their openings. */
export function windowRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/windows', { schema: { response: { 200: z.object({ windows: z.array(windowSchema) }) } } }, async () => ({
      windows: (await listWindows(context.app)).map(toWindowDto),
    }));

    app.post('/windows', { schema: { body: calendarWindowSchema, response: { 201: windowSchema } } }, async (request, reply) => {
      return reply.code(201).send(toWindowDto(await addWindow(context.app, request.body)));
    });

    app.get('/windows/:name', { schema: { params: z.object({ name: nameSchema }), response: { 200: windowSchema } } }, async (request) =>
      toWindowDto(await showWindow(context.app, request.params.name)),
    );

    app.delete('/windows/:name', { schema: { params: z.object({ name: nameSchema }) } }, async (request, reply) => {
      await removeWindow(context.app, request.params.name);
      return reply.code(204).send();
    });

    app.get('/calendar', { schema: { querystring: calendarQuerySchema, response: { 200: calendarSchema } } }, async (request) => {
      const { from, to, environment, app: application } = request.query;
      return toCalendarDto(
        await calendar(context.app, {
          from: from === undefined ? undefined : new Date(from),
          to: to === undefined ? undefined : new Date(to),
          environment,
          app: application,
        }),
      );
    });
  };
}
