import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ERROR_CATALOGUE, GantryError, type ErrorCode, type ErrorKind } from '../core/errors.js';
import type { ProblemDto } from '../protocol/api.js';

/** The one place where a kind of error becomes an HTTP status. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
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

/** Maps every error a route can raise to RFC 9457 problem+json; causes go to the log only. */
export function installProblemHandlers(app: FastifyInstance): void {
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
    request.log.error({ err: error }, 'request failed');
    return sendProblem(reply, new GantryError('INTERNAL', ERROR_CATALOGUE.INTERNAL.title));
  });
}
