import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createEnrolmentToken, enrolAgent, revokeAgent } from '../../app/agents.js';
import { nameSchema } from '../../core/names.js';
import { enrolRequestSchema, enrolResponseSchema, NODE_CREDENTIAL_HEADER } from '../../protocol/agent.js';
import { agentTokenSchema, createAgentTokenRequestSchema, targetSchema } from '../../protocol/api.js';
import { acceptAgentConnection } from '../agent-channel.js';
import { DEFAULT_REFUSAL_BUDGET } from '../audit-hook.js';
import { RefusalBudget } from '../refusal-budget.js';
import { toTargetDto } from '../dto.js';
import { needs, PUBLIC } from '../access.js';
import type { ServerContext } from '../server-context.js';

export function agentRoutes(context: ServerContext): FastifyPluginAsyncZod {
  return async (app) => {
    // Refused agent handshakes and results are audited within this budget (per server).
    const refusals = new RefusalBudget({ ...DEFAULT_REFUSAL_BUDGET, now: () => context.app.clock.now().getTime() });

    app.post('/agent-tokens', { config: needs('targets'), schema: { body: createAgentTokenRequestSchema, response: { 201: agentTokenSchema } } }, async (request, reply) =>
      reply.code(201).send(await createEnrolmentToken(context.app, request.body)),
    );

    // Public: the one-time token in the body is the credential.
    app.post('/agents/enrol', { config: PUBLIC, schema: { body: enrolRequestSchema, response: { 201: enrolResponseSchema } } }, async (request, reply) => {
      const target = await enrolAgent(context.app, request.body);
      return reply.code(201).send({ name: target.name, labels: { ...target.labels } });
    });

    app.post('/agents/:name/revoke', { config: needs('targets'), schema: { params: z.object({ name: nameSchema }), response: { 200: targetSchema } } }, async (request) => {
      const target = await revokeAgent(context.app, request.params.name);
      return toTargetDto({ target, facts: null, session: null });
    });

    // Public: the agent proves who it is by signing the challenge sent on the socket.
    app.get('/agents/connect', { config: PUBLIC, websocket: true, schema: { hide: true } }, (socket, request) => acceptAgentConnection(socket, {
        app: context.app,
        sessions: context.agentSessions,
        commands: context.agentCommands,
        relay: context.agentRelay,
        heartbeatMs: context.agentHeartbeatMs,
        log: app.log,
        refusals,
      }, request.ip),
    );

    // Public to the access layer: only another node of this installation, proving it with the
    // credential derived from the shared master key, may attach to the agents connected here.
    app.get('/internal/agent-relay', { config: PUBLIC, websocket: true, schema: { hide: true } }, (socket, request) => {
      if (!context.agentRelay.isNode(request.headers[NODE_CREDENTIAL_HEADER])) return socket.close(1008, 'not a node of this installation');
      context.agentRelay.host.accept(socket);
    });
  };
}
