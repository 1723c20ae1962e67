import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { storeIsReachable } from '../app/deployments.js';
import { MAX_AGENT_FRAME_BYTES } from '../protocol/agent.js';
import { API_PREFIX } from '../protocol/api.js';
import { installAccessControl, needs, PUBLIC } from './access.js';
import { installAuditLog } from './audit-hook.js';
import { installBearerAuth } from './auth.js';
import { clientErrorProblem, frameworkErrorProblem, installProblemHandlers } from './problem.js';
import { agentRoutes } from './routes/agents.js';
import { applicationRoutes } from './routes/applications.js';
import { deploymentRoutes } from './routes/deployments.js';
import { releaseRoutes } from './routes/releases.js';
import { releaseEvidenceRoutes } from './routes/release-evidence.js';
import { targetRoutes } from './routes/targets.js';
import { auditRoutes } from './routes/audit.js';
import { changeRoutes } from './routes/changes.js';
import { secretRoutes } from './routes/secrets.js';
import { tokenRoutes } from './routes/tokens.js';
import { oidcRoutes } from './routes/oidc.js';
import { userRoutes } from './routes/users.js';
import { teamRoutes } from './routes/teams.js';
import { nodeRoutes } from './routes/nodes.js';
import { windowRoutes } from './routes/windows.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { patchRoutes } from './routes/patch.js';
import { policyRoutes } from './routes/policies.js';
import { notificationRoutes } from './routes/notifications.js';
import { incidentRoutes } from './routes/incidents.js';
import { doraRoutes } from './routes/dora.js';
import { driftRoutes } from './routes/drift.js';
import { inventoryRoutes } from './routes/inventory.js';
import { retentionRoutes } from './routes/retention.js';
import { webUiRoutes } from './routes/web-ui.js';
import { feedbackRoutes } from './routes/feedback.js';
import { feedbackPageRoutes } from './routes/feedback-pages.js';
import { metricsRoutes } from './routes/metrics.js';
import { NodeMetrics } from './metrics.js';
import type { ServerContext } from './server-context.js';

/** JSON bodies are small (a manifest is at most 1 MiB); archives stream and are bounded separately. */
const JSON_BODY_LIMIT = 2 * 1024 * 1024;

/** What a request log line says about the request: no query-string secrets. */
function serializeRequest(request: FastifyRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: request.url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]').replace(/^(\/feedback\/)[^/?#]+/, '$1[redacted]'),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket.remotePort,
  };
}

/** Builds the HTTP server without listening, so tests can use inject(). */
export async function buildServer(context: ServerContext, logger: Logger, version: string, tls?: { readonly cert: string; readonly key: string } | null): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT,
    return503OnClosing: true,
    forceCloseConnections: true,
    // Errors raised before routing, or by Node's HTTP parser, answer problem+json too.
    frameworkErrors: frameworkErrorProblem,
    clientErrorHandler: clientErrorProblem,
    // The calendar feed carries its token in the URL (calendar apps cannot send headers): never log it.
    childLoggerFactory: (logger, bindings, options) =>
      logger.child(bindings, { ...options, serializers: { ...options.serializers, req: serializeRequest } }),
    // Node answers an HTTP/1.1 request without Host with an empty 400 of its own; the problem
    // handlers refuse it instead (installProblemHandlers), so that it is problem+json too.
    ...(tls ? { https: { cert: tls.cert, key: tls.key, requireHostHeader: false } } : { http: { requireHostHeader: false } }),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installProblemHandlers(app);
  // Every answer's latency, labelled with the route pattern it matched (never the raw URL).
  const nodeMetrics = new NodeMetrics();
  app.addHook('onResponse', async (request, reply) => nodeMetrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000));
  // Cookies are parsed before authentication reads the session cookie (hooks run in order).
  await app.register(fastifyCookie);
  installBearerAuth(app, context.app, context.authThrottle);
  // Access first: a refused request is audited by its outcome record, and never reaches the handler.
  installAccessControl(app);
  installAuditLog(app, context.app);
  await app.register(fastifyWebsocket, { options: { maxPayload: MAX_AGENT_FRAME_BYTES } });
  app.addHook('onClose', async () => context.agentSessions.closeAll());
  await app.register(fastifySwagger, {
    openapi: {
      info: { title: 'Gantry API', version, description: 'Deploy releases to machines, with staged rollouts and automatic rollback.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/healthz', { config: PUBLIC, schema: { response: { 200: z.object({ status: z.enum(['ok', 'degraded']), store: z.enum(['ok', 'unreachable']) }), 503: z.object({ status: z.enum(['ok', 'degraded']), store: z.enum(['ok', 'unreachable']) }) } } }, async (_request, reply) => {
    const reachable = await storeIsReachable(context.app);
    return reply.code(reachable ? 200 : 503).send({ status: reachable ? 'ok' : 'degraded', store: reachable ? 'ok' : 'unreachable' });
  });

  await app.register(
    async (api) => {
      api.get('/openapi.json', { config: needs('read'), schema: { hide: true } }, async () => app.swagger());
      await api.register(applicationRoutes(context));
      await api.register(releaseRoutes(context));
      await api.register(releaseEvidenceRoutes(context));
      await api.register(targetRoutes(context));
      await api.register(deploymentRoutes(context));
      await api.register(agentRoutes(context));
      await api.register(windowRoutes(context));
      await api.register(changeRoutes(context));
      await api.register(secretRoutes(context));
      await api.register(tokenRoutes(context));
      await api.register(userRoutes(context));
      await api.register(teamRoutes(context));
      await api.register(nodeRoutes(context));
      await api.register(oidcRoutes(context));
      await api.register(auditRoutes(context));
      await api.register(dashboardRoutes(context));
      await api.register(patchRoutes(context));
      await api.register(policyRoutes(context));
      await api.register(notificationRoutes(context));
      await api.register(incidentRoutes(context));
      await api.register(doraRoutes(context));
      await api.register(driftRoutes(context));
      await api.register(inventoryRoutes(context));
      await api.register(retentionRoutes(context));
      await api.register(feedbackRoutes(context));
    },
    { prefix: API_PREFIX },
  );
  await app.register(metricsRoutes(context, nodeMetrics));
  // The pages behind feedback links: for people without an account, outside the API.
  await app.register(feedbackPageRoutes(context));
  await app.register(webUiRoutes(context));
  return app;
}
