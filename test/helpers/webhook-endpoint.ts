/**
 * Webhook receivers for tests, on real sockets (127.0.0.1, port 0): an HTTP endpoint that
 * records every request (headers and raw body) and answers as the test says (200, 500, or
 * a dropped connection: an endpoint that is down), and a silent one that accepts
 * connections and never answers (a hung endpoint). Also: setting an account's webhook in
 * the store, as `maskgate accounts update --webhook-url` does, from the test process.
 */
import type { ExecutionContext } from 'ava';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { WebhookSettings } from '../../src/accounts/webhook-settings.js';
import type { LoadedConfig } from '../../src/config/loader.js';
import { openRoutingStore } from '../../src/store/routing-store.js';

export type EndpointMode = 'ok' | 'fail' | 'reset';

export interface WebhookBody {
  id: string;
  type: string;
  created_at: string;
  account: string;
  data: Record<string, unknown>;
}

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  /** The raw body, as sent (what the signature covers). */
  raw: string;
  body: WebhookBody;
  /** What the endpoint answered: 200, 500, or 0 for a dropped connection. */
  status: number;
}

export interface TestEndpoint {
  url: string;
  /** How the next requests are answered. */
  mode: EndpointMode;
  readonly received: ReceivedHook[];
  /** The first request, come or to come, that matches and was answered with `status` (default 200). */
  waitFor(match: (hook: ReceivedHook) => boolean, status?: number): Promise<ReceivedHook>;
}

export async function startEndpoint(t: ExecutionContext, mode: EndpointMode = 'ok'): Promise<TestEndpoint> {
  const received: ReceivedHook[] = [];
  const waiters: { match: (hook: ReceivedHook) => boolean; status: number; resolve: (hook: ReceivedHook) => void }[] = [];
  const record = (hook: ReceivedHook) => {
    received.push(hook);
    for (const w of [...waiters]) {
      if (hook.status === w.status && w.match(hook)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hook);
      }
    }
  };
  const endpoint: TestEndpoint = {
    url: '',
    mode,
    received,
    waitFor(match, status = 200) {
      const seen = received.find((hook) => hook.status === status && match(hook));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, status, resolve }));
    },
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const hook = { headers: req.headers, raw, body: JSON.parse(raw) as WebhookBody };
      if (endpoint.mode === 'reset') {
        req.socket.destroy();
        record({ ...hook, status: 0 });
        return;
      }
      const status = endpoint.mode === 'ok' ? 200 : 500;
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'down for maintenance');
      record({ ...hook, status });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  endpoint.url = `http://127.0.0.1:${address.port}/hooks/maskgate?tenant=t1`;
  return endpoint;
}

export interface SilentEndpoint {
  url: string;
  /** Connections that sent something (a request) and were never answered. */
  readonly requests: number;
  /** Resolves once `n` connections have sent a request. */
  requested(n: number): Promise<void>;
}

/** Accepts connections and reads them, but never answers: a hung endpoint. */
export async function startSilentEndpoint(t: ExecutionContext): Promise<SilentEndpoint> {
  const sockets = new Set<Socket>();
  let requests = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('data', () => {
      requests++;
      for (const w of waiters.filter((w) => requests >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
    socket.on('error', () => undefined); // the sender aborts: a reset is expected
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the endpoint has no TCP address');
  return {
    url: `http://127.0.0.1:${address.port}/hooks`,
    get requests() {
      return requests;
    },
    requested: (n) => (requests >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
  };
}

/** Sets an account's webhook as the CLI does (another connection to the store); returns the secret. */
export function setWebhook(config: LoadedConfig, account: string, url: string, events?: string[]): string {
  const { db, keyRing } = openRoutingStore(config);
  try {
    const { secret } = new WebhookSettings(db, keyRing.keysFor('routing-bodies')).configure(account, { url, ...(events ? { events } : {}) });
    if (secret === undefined) throw new Error(`account ${account} had a webhook secret already`);
    return secret;
  } finally {
    db.close();
  }
}
