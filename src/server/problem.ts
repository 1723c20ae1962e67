import { isStoreUnreachable } from '../app/store-health.js';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOGUE, GantryError, type ErrorCode, type ErrorKind } from '../core/errors.js';
import type { ProblemDto } from '../protocol/api.js';

/** The one place where a kind of error becomes an HTTP status. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  throttled: 429,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};

export function problemOf(error: GantryError, status = STATUS_OF_KIND[error.kind]): ProblemDto {
  const problems = Array.isArray(error.details.problems) ? error.details.problems : undefined;
  const conflicts = Array.isArray(error.details.conflicts) ? (error.details.conflicts as { kind: string; cause: string }[]) : undefined;
  return {
    type: `https://gantry.dev/errors/${error.code}`,
    title: ERROR_CATALOGUE[error.code].title,
    status,
    code: error.code,
    detail: error.message,
    ...(typeof error.details.where === 'string' ? { where: error.details.where } : {}),
    ...(problems ? { problems } : {}),
    ...(conflicts ? { conflicts } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: GantryError, status = STATUS_OF_KIND[error.kind]): FastifyReply {
  return reply.code(status).type('application/problem+json').send(problemOf(error, status));
}

function requestInvalid(code: ErrorCode, message: string, where?: string): GantryError {
  return new GantryError(code, message, where ? { where } : {});
}

/**
 * Errors Fastify raises before routing (a URL it cannot decode, a path parameter over the
 * router's length limit): given as the `frameworkErrors` option, so they answer problem+json
 * like everything else instead of Fastify's own JSON. The URL is not echoed (it may be huge).
 */
export function frameworkErrorProblem(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') void sendProblem(reply, requestInvalid('REQUEST_INVALID', 'the URL is not valid: it has a malformed percent-encoding', 'url'), 400);
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') void sendProblem(reply, requestInvalid('REQUEST_INVALID', 'a path segment of the URL is too long', 'url'), 414);
  else {
    reply.log.error({ err: error }, 'request failed before routing');
    void sendProblem(reply, new GantryError('INTERNAL', ERROR_CATALOGUE.INTERNAL.title));
  }
}

/**
 * Requests Node's HTTP parser refuses (headers over the size limit, malformed request lines,
 * timeouts) never reach Fastify: given as the `clientErrorHandler` option, the answer is still
 * problem+json, and the connection is closed as Node and Fastify do by default.
 */
export function clientErrorProblem(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const message = status === 408 ? 'the request took too long to arrive' : status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP';
  if (socket.writable) {
    const body = JSON.stringify(problemOf(requestInvalid('REQUEST_INVALID', message), status));
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/problem+json\r\n\r\n${body}`);
  }
  socket.destroy(error);
}

/** Maps every error a route can raise to RFC 9457 problem+json; causes go to the log only. */
export function installProblemHandlers(app: FastifyInstance): void {
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused with 400 (Node's own check is off).
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) throw requestInvalid('REQUEST_INVALID', 'an HTTP/1.1 request needs a Host header', 'headers.host');
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, new GantryError('ROUTE_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof GantryError) {
      if (error.kind === 'internal' || error.kind === 'unavailable') request.log.warn({ err: error.cause ?? error, code: error.code }, error.message);
      return sendProblem(reply, error);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issue = error.validation[0];
      const location = error.validationContext ?? 'body';
      const path = (issue?.instancePath ?? '').split('/').filter(Boolean).join('.');
      const where = path ? `${location}.${path}` : location;
      return sendProblem(reply, requestInvalid('REQUEST_INVALID', `${where}: ${issue?.message ?? 'is not valid'}`, where));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendProblem(reply, requestInvalid('REQUEST_INVALID', 'the request body is too large'), 413);
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return sendProblem(reply, requestInvalid('REQUEST_INVALID', `content type ${request.headers['content-type'] ?? '(none)'} is not accepted here`), 415);
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return sendProblem(reply, requestInvalid('REQUEST_INVALID', `the request could not be read (${error.code ?? 'bad request'})`), error.statusCode);
    }
    if (isStoreUnreachable(error)) {
      request.log.warn({ err: error }, 'the database could not be reached for a request');
      return sendProblem(reply, new GantryError('STORE_UNAVAILABLE', 'the database cannot be reached right now (restarting, or the connection dropped); try again'));
    }
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, new GantryError('INTERNAL', ERROR_CATALOGUE.INTERNAL.title));
  });
}
