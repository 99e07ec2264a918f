/**
 * The HTTP API (fastify): routes validated by zod schemas, the OpenAPI document generated
 * from those same schemas at /openapi.json with a browsable reference at /docs, token
 * authentication and roles (auth.ts), the health probes, and /metrics.
 *
 * Plain HTTP by default on loopback; HTTPS with `http.tls`. Bodies are JSON, at most
 * `http.bodyLimitBytes`; an unknown field is refused (400), never ignored, so a typo in an
 * optional field cannot silently change what a request does.
 */
import Fastify, { type FastifyContextConfig, type FastifyInstance } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LoadedConfig } from '../config/loader.js';
import { readPemFile } from '../config/pem-file.js';
import { GatewayError } from '../errors.js';
import type { Logger } from '../obs/logger.js';
import type { ApiServices } from './api-services.js';
import { installAuth, TOTP_HEADER } from './auth.js';
import { errorHandler } from './http-errors.js';
import { leaseRoutes } from './routes/leases.js';
import { messageRoutes } from './routes/messages.js';
import { readOutRoutes } from './routes/read-outs.js';
import { relayRoutes } from './routes/relays.js';

export interface HttpApi {
  port: number;
  close(): Promise<void>;
}

const VERSION = '1';

export async function buildHttpApi(config: LoadedConfig, services: ApiServices, logger: Logger): Promise<FastifyInstance> {
  const http = config.http;
  const app = Fastify({
    bodyLimit: http.bodyLimitBytes,
    // Our own request log below: fastify's would log URLs and bodies we choose not to.
    logger: false,
    ...(http.tls ? { https: { cert: readPemFile(config, 'http.tls.certFile', http.tls.certFile), key: readPemFile(config, 'http.tls.keyFile', http.tls.keyFile) } } : {}),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(logger));
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}; /docs lists the API` }));
  app.addHook('onResponse', async (request, reply) => {
    logger.debug('http request', { method: request.method, route: request.routeOptions.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime), token: request.principal?.tokenId });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'maskgate API', version: VERSION, description: 'Temporary numbers, masks, proxy sessions and messages. Authenticate with `Authorization: Bearer <token>` (`maskgate tokens create`); admin tokens also send a TOTP code in `X-Maskgate-Totp`.' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an API token, mg_<id>_<secret>' },
          totp: { type: 'apiKey', in: 'header', name: TOTP_HEADER, description: 'admin tokens: the current TOTP code' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list' } });
  installAuth(app, { tokens: services.tokens, audit: services.audit, lockout: http.failedAuth });

  const publicRoute = { roles: 'public' as const };
  app.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/healthz',
    { config: publicRoute, schema: { operationId: 'healthz', summary: 'The process is alive', tags: ['health'], security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  const Readiness = z.object({ ready: z.boolean(), checks: z.object({ stores: z.boolean(), carrierBindUp: z.boolean() }) });
  app.get(
    '/readyz',
    { config: publicRoute, schema: { operationId: 'readyz', summary: 'Stores open and at least one carrier bind up', tags: ['health'], security: [], response: { 200: Readiness, 503: Readiness } } },
    async (_request, reply) => {
      const readiness = services.readiness();
      return reply.code(readiness.ready ? 200 : 503).send(readiness);
    },
  );
  const metricsAccess: FastifyContextConfig = http.metricsRequireToken ? { roles: ['admin', 'operator', 'auditor'] } : publicRoute;
  app.get(
    '/metrics',
    {
      config: metricsAccess,
      schema: { operationId: 'metrics', summary: 'Prometheus metrics (text exposition format)', tags: ['health'], ...(http.metricsRequireToken ? {} : { security: [] }) },
    },
    async (_request, reply) => reply.header('content-type', services.metrics.contentType).send(await services.metrics.render()),
  );

  await app.register(leaseRoutes, { services });
  await app.register(relayRoutes, { services });
  await app.register(messageRoutes, { services });
  await app.register(readOutRoutes, { services });
  return app;
}

export async function startHttpApi(config: LoadedConfig, services: ApiServices, logger: Logger): Promise<HttpApi> {
  const app = await buildHttpApi(config, services, logger);
  try {
    await app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await app.close();
    throw new GatewayError('CONFIG_INVALID', `cannot listen for HTTP on ${config.http.host}:${config.http.port}: ${err instanceof Error ? err.message : String(err)}; free the port or change http.port`, { cause: err });
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info('HTTP API listening', { host: config.http.host, port, tls: config.http.tls !== undefined });
  return { port, close: () => app.close() };
}
