/**
 * The simulator's control endpoint for the CLI and scripts: localhost only, bearer token,
 * JSON. Everything the in-process API can do: read counters, binds and received messages,
 * change behaviour, go down and come back, drop connections, inject MO or an MO load.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Simulator } from './smsc.js';

const moSchema = z
  .object({
    from: z.string().regex(/^\+?\d{3,15}$/),
    to: z.string().regex(/^\+?\d{3,15}$/),
    text: z.string().min(1),
    systemId: z.string().optional(),
    concatenation: z.enum(['udh8', 'udh16', 'sar']).optional(),
  })
  .strict();

const moLoadSchema = z
  .object({
    msgPerSec: z.number().positive(),
    to: z.array(z.string().regex(/^\+?\d{3,15}$/)).min(1),
    from: z.array(z.string().regex(/^\+?\d{3,15}$/)).optional(),
    text: z.string().optional(),
    systemId: z.string().optional(),
  })
  .strict();

function issues(err: z.ZodError): { path: string; message: string }[] {
  return err.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface ControlServer {
  url: string;
  close(): Promise<void>;
}

export async function startControlServer(opts: { host: string; port: number; token: string; instances: readonly Simulator[] }): Promise<ControlServer> {
  const app: FastifyInstance = Fastify({ logger: false });
  const byName = new Map(opts.instances.map((s) => [s.name, s]));

  app.addHook('onRequest', async (req, reply) => {
    if (!tokenMatches(req.headers.authorization, opts.token)) {
      await reply.code(401).send({ error: 'missing or wrong token: send "Authorization: Bearer <token>" as printed when the simulator started' });
    }
  });

  const instance = (req: FastifyRequest, reply: FastifyReply): Simulator | undefined => {
    const name = (req.params as { name: string }).name;
    const sim = byName.get(name);
    if (!sim) void reply.code(404).send({ error: `no simulator instance "${name}"; instances are: ${[...byName.keys()].join(', ')}` });
    return sim;
  };

  app.get('/instances', async () =>
    opts.instances.map((s) => ({ name: s.name, port: s.port, tlsPort: s.tlsPort ?? null, down: s.behaviour.down, binds: s.binds().length })),
  );
  app.get('/instances/:name/counters', async (req, reply) => instance(req, reply)?.counters);
  app.get('/instances/:name/binds', async (req, reply) => instance(req, reply)?.binds());
  app.get('/instances/:name/messages', async (req, reply) => {
    const limit = Number((req.query as { limit?: string }).limit ?? 100);
    return instance(req, reply)?.messages.list(Number.isFinite(limit) && limit > 0 ? limit : 100);
  });
  app.get('/instances/:name/behaviour', async (req, reply) => instance(req, reply)?.behaviour);
  app.patch('/instances/:name/behaviour', async (req, reply) => {
    const sim = instance(req, reply);
    if (!sim) return;
    try {
      return sim.setBehaviour((req.body ?? {}) as never);
    } catch (err) {
      if (err instanceof z.ZodError) return reply.code(400).send({ error: 'invalid behaviour', issues: issues(err) });
      throw err;
    }
  });
  app.post('/instances/:name/down', async (req, reply) => {
    await instance(req, reply)?.goDown();
    return { down: true };
  });
  app.post('/instances/:name/up', async (req, reply) => {
    await instance(req, reply)?.comeBack();
    return { down: false };
  });
  app.post('/instances/:name/disconnect', async (req, reply) => {
    instance(req, reply)?.disconnectAll();
    return { disconnected: true };
  });
  app.post('/instances/:name/mo', async (req, reply) => {
    const sim = instance(req, reply);
    if (!sim) return;
    const parsed = moSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid MO', issues: issues(parsed.error) });
    try {
      return { parts: sim.injectMo(parsed.data) };
    } catch (err) {
      return reply.code(400).send({ error: err instanceof Error ? err.message : String(err) });
    }
  });
  app.post('/instances/:name/mo-load', async (req, reply) => {
    const sim = instance(req, reply);
    if (!sim) return;
    const parsed = moLoadSchema.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send({ error: 'invalid MO load', issues: issues(parsed.error) });
    sim.startMoLoad(parsed.data);
    return { running: true };
  });
  app.delete('/instances/:name/mo-load', async (req, reply) => {
    instance(req, reply)?.stopMoLoad();
    return { running: false };
  });

  const address = await app.listen({ host: opts.host, port: opts.port });
  return { url: address, close: () => app.close() };
}
