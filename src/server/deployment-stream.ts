import type { FastifyReply, FastifyRequest } from 'fastify';
import { readEvents, readLogs, requireDeployment } from '../app/deployments.js';
import { isTerminalDeploymentState } from '../core/deployment/deployment-machine.js';
import { isGantryError } from '../core/errors.js';
import { SSE_EVENTS } from '../protocol/api.js';
import { toDeploymentDto, toEventDto, toLogLineDto } from './dto.js';
import { problemOf } from './problem.js';
import type { ServerContext } from './server-context.js';

/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

/**
 * Streams a deployment's events and logs as Server-Sent Events until it ends. The store is read
 * after every progress signal (and at least every `streamPollMs`), so the stream shows the same
 * thing whichever node runs the deployment. Before each read (at most once per `streamPollMs`)
 * `stillAllowed` checks the caller again: a credential revoked or a binding taken away while the
 * stream is open ends it with a `denied` event, not just the next request.
 */
export async function streamDeployment(
  context: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  id: string,
  after: { events: number; logs: number },
  stillAllowed: () => Promise<void>,
): Promise<void> {
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let closed = false;
  let wake: (() => void) | undefined;
  const unsubscribe = context.progress.subscribe(id, () => wake?.());
  request.raw.on('close', () => {
    closed = true;
    wake?.();
  });
  const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
  const send = (event: string, id: number | null, data: unknown) => response.write(`event: ${event}\n${id === null ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`);
  let { events: eventsAfter, logs: logsAfter } = after;
  let checkedAt = Date.now();
  try {
    while (!closed) {
      if (Date.now() - checkedAt >= context.streamPollMs) {
        checkedAt = Date.now();
        try {
          await stillAllowed();
        } catch (error) {
          if (!isGantryError(error)) throw error;
          send(SSE_EVENTS.denied, null, problemOf(error));
          break;
        }
      }
      // Read the state before the events: if it is terminal, every event up to it is already stored.
      const deployment = await requireDeployment(context.app, id);
      const [events, logs] = await Promise.all([readEvents(context.app, id, eventsAfter), readLogs(context.app, id, logsAfter)]);
      for (const line of logs) send(SSE_EVENTS.log, line.seq, toLogLineDto(line));
      for (const event of events) send(SSE_EVENTS.progress, event.seq, toEventDto(event));
      logsAfter = logs.at(-1)?.seq ?? logsAfter;
      eventsAfter = events.at(-1)?.seq ?? eventsAfter;
      if (isTerminalDeploymentState(deployment.state) && events.length === 0 && logs.length === 0) {
        send(SSE_EVENTS.end, null, toDeploymentDto(deployment));
        break;
      }
      if (events.length > 0 || logs.length > 0) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, context.streamPollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } catch (error) {
    request.log.warn({ err: error, deploymentId: id }, 'deployment stream ended early');
  } finally {
    clearInterval(keepalive);
    unsubscribe();
    response.end();
  }
}
