import type { FastifyReply, FastifyRequest } from 'fastify';
import { requireDeployment } from '../app/deployments.js';
import { allows } from '../core/access/access.js';
import type { Actor } from '../core/actor.js';
import { isGantryError } from '../core/errors.js';
import { ACTIVITY_EVENTS } from '../protocol/dashboard-api.js';
import { reauthenticate } from './auth.js';
import { toDeploymentDto } from './dto.js';
import { problemOf } from './problem.js';
import type { ServerContext } from './server-context.js';

const KEEPALIVE_MS = 15_000;

/**
 * Streams, as Server-Sent Events, each deployment the caller may see whenever it moves (on any
 * node: progress signals cross nodes), so a dashboard refreshes on change instead of polling.
 * Signals that arrive together are sent once per deployment. The caller is checked again every
 * `streamPollMs`; when access is gone the stream ends with a `denied` event.
 */
export function streamActivity(context: ServerContext, request: FastifyRequest, reply: FastifyReply, caller: Actor): void {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  response.write(': connected\n\n');
  const pending = new Set<string>();
  let actor = caller;
  let sending = false;
  let closed = false;
  const send = (event: string, data: unknown) => response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    clearInterval(recheck);
    unsubscribe();
    response.end();
  };
  const end = (error: unknown) => {
    if (closed) return;
    if (isGantryError(error)) send(ACTIVITY_EVENTS.denied, problemOf(error));
    else request.log.warn({ err: error }, 'activity stream ended early');
    close();
  };
  // A database that does not answer for a moment is no reason to end the stream: the next check decides.
  const recheck = setInterval(() => {
    reauthenticate(context.app, request).then(
      (again) => (actor = again),
      (error: unknown) => (isGantryError(error) && error.kind === 'unavailable' ? undefined : end(error)),
    );
  }, context.streamPollMs);

  async function flush(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      while (pending.size > 0 && !closed) {
        const [id] = pending;
        pending.delete(id!);
        const deployment = await requireDeployment(context.app, id!).catch(() => null);
        if (deployment && allows(actor.access, 'read', { app: deployment.app, environment: deployment.environment })) send(ACTIVITY_EVENTS.deployment, toDeploymentDto(deployment));
      }
    } catch (error) {
      end(error);
    } finally {
      sending = false;
    }
  }

  const unsubscribe = context.progress.subscribeAll((id) => {
    pending.add(id);
    void flush();
  });
  request.raw.on('close', close);
}
