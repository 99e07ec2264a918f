/**
 * How the HTTP API answers what went wrong: one JSON shape, `{ error, message }`, where
 * `error` is a stable code a program can branch on and `message` says what to fix.
 *
 * GatewayErrors map by code (one row each, so a new code fails to compile here until it has
 * an HTTP status, as in smpp/status.ts). Schema validation, bad JSON and oversized bodies
 * come from fastify and keep their 4xx. An oversized body is 413, not the 400 the issue
 * names: 413 is what HTTP clients and proxies expect for it, and it is still a clear 4xx.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { GatewayError, type ErrorCode } from '../errors.js';
import type { Logger } from '../obs/logger.js';

export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export const notFound = (what: string) => new HttpProblem(404, 'not_found', `${what} not found`);

/** HTTP status per error code; 500 for what a request cannot have caused. */
const HTTP_STATUS: Record<ErrorCode, number> = {
  CONFIG_INVALID: 500,
  CONFIG_UNREADABLE: 500,
  SECRET_MISSING: 500,
  KEY_MISSING: 500,
  KEY_INVALID: 500,
  KEY_MISMATCH: 500,
  STORE_TOO_NEW: 500,
  STORE_FAILED: 500,
  USAGE: 400,
  NO_ROUTE: 422,
  NO_NUMBER_AVAILABLE: 409, // the pool cannot serve this now: try later or another pool
  BAD_LENGTH: 400,
  UNKNOWN_COMMAND: 400,
  INVALID_BIND_STATE: 400,
  ALREADY_BOUND: 400,
  BAD_PASSWORD: 401,
  BAD_SYSTEM_ID: 401,
  BIND_NOT_ALLOWED: 403,
  BAD_SOURCE: 400,
  BAD_DESTINATION: 400,
  MESSAGE_TOO_LONG: 400,
  BAD_MESSAGE_LENGTH: 400,
  BAD_UDH: 400,
  BAD_SAR: 400,
  THROTTLED: 429,
  QUEUE_FULL: 429,
  MALFORMED_PDU: 400,
  CONTENT_BLOCKED: 422, // the request is well-formed; its text is refused by a content rule
  CONNECT_TIMEOUT: 503,
  BIND_TIMEOUT: 503,
  RESPONSE_TIMEOUT: 503,
  SESSION_CLOSED: 503,
  WINDOW_FULL: 503,
  INTERNAL: 500,
};

export function errorHandler(logger: Logger) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext ?? 'request';
      const issues = err.validation.map((v) => `${where}${v.instancePath ? v.instancePath.replace(/\//g, '.') : ''}: ${v.message}`);
      return reply.code(400).send({ error: 'bad_request', message: issues.join('; ') });
    }
    if (err instanceof HttpProblem) return reply.code(err.statusCode).send({ error: err.code, message: err.message });
    if (err instanceof GatewayError) {
      const status = HTTP_STATUS[err.code];
      if (status >= 500) logger.error('API request failed', { route: request.routeOptions.url, code: err.code, error: err.message });
      if (status === 429) void reply.header('retry-after', '1');
      return reply.code(status).send({ error: err.code.toLowerCase(), message: status >= 500 ? 'internal error; the daemon log has the details' : err.message });
    }
    const status = (err as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      // fastify's own: bad JSON (400), body too large (413), wrong content type (415)
      const code = status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
      return reply.code(status).send({ error: code, message: err.message });
    }
    logger.error('API request failed', { route: request.routeOptions.url, error: err.message });
    return reply.code(500).send({ error: 'internal', message: 'internal error; the daemon log has the details' });
  };
}
