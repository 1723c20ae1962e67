import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { openDatabase, type StoreDatabase } from '../../src/store/database.js';
import { captureIo } from '../cli/fake-server.js';
import { verifyWebhookSignature } from '../../src/notify/webhook-signature.js';
import type { NotificationDetailDto, NotificationDto } from '../../src/protocol/notifications-api.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

const SECRET = 'a-signing-secret-of-some-length';
const TARGETS = ['web-1', 'web-2', 'web-3'];

function manifest(app: string): string {
  return `app: ${app}
environments:
  - { name: staging, targets: { role: web, env: staging } }
strategy: { type: rolling, batch: 1, maxFailures: 0 }
`;
}

interface Received {
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  readonly status: number;
  /** When it arrived, in unix seconds (to check the signature's timestamp against). */
  readonly atSeconds: number;
}

/**
 * A webhook receiver on loopback: `/flaky` answers 500 to the first two requests then 200,
 * `/gone` 404, `/late` 503 until `lateOpen`, anything else 200. It records every request.
 */
async function startReceiver(): Promise<{ server: Server; base: string; received: Received[]; open(): void; on(path: string): Received[] }> {
  const received: Received[] = [];
  let flaky = 0;
  let lateOpen = false;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      let status = 200;
      if (path === '/flaky') status = flaky++ < 2 ? 500 : 200;
      else if (path === '/gone') status = 404;
      else if (path === '/late') status = lateOpen ? 200 : 503;
      received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), status, atSeconds: Math.floor(Date.now() / 1000) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, base: `http://127.0.0.1:${port}`, received, open: () => (lateOpen = true), on: (path) => received.filter((entry) => entry.path === path) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const bodyOf = (entry: Received) => JSON.parse(entry.body) as { id: string; type: string; subject: string; title: string; items: { subject: string; title: string }[] };

for (const dialect of DIALECTS) describe(`notifications (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let dataDir: string;
  const env = { GANTRY_OUTBOUND_ALLOW: '127.0.0.1', GANTRY_NOTIFY_INTERVAL: '100ms', GANTRY_NOTIFY_RETRY_BASE: '100ms' };
  const start = () => startTestGantry({ ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}), dataDir, env });
  const openStore = (): StoreDatabase => (database.postgresUrl ? openDatabase({ postgresUrl: database.postgresUrl }) : openDatabase({ sqlitePath: join(dataDir, 'gantry.db') }));

  const put = async (path: string, body: unknown) => {
    const answer = await gantry.api('PUT', path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
    return answer.body;
  };
  const notifications = async (query = '') => ((await gantry.api('GET', `/notifications${query}`)).body as { notifications: NotificationDto[] }).notifications;
  const detail = async (id: string) => (await gantry.api('GET', `/notifications/${id}`)).body as NotificationDetailDto;
  const cli = async (...args: string[]) => {
    const io = captureIo();
    const code = await main(['node', 'gantry', ...args, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} });
    return { code, out: io.out(), err: io.err() };
  };
  const deploy = async (app: string, version: string) => {
    const { deployment } = await gantry.deploy(app, version, 'staging');
    expect((await gantry.waitFor(deployment.id)).deployment.state).toBe('succeeded');
    return deployment.id;
  };

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-notify-'));
    receiver = await startReceiver();
    gantry = await start();
    for (const name of TARGETS) await gantry.api('POST', '/targets', { name, labels: { role: 'web', env: 'staging' }, local: { root: mkdtempSync(join(tmpdir(), `gantry-${name}-`)) } });
    for (const app of ['shop', 'other']) {
      await gantry.apply(manifest(app));
      for (const version of ['1.0.0', '2.0.0', '3.0.0']) await gantry.release(app, version, makeBuildDir({ VERSION: version }));
    }
  });
  afterAll(async () => {
    await gantry?.close();
    await new Promise((resolve) => receiver?.server.close(resolve));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps channel credentials write-only and refuses unknown channels and events', async () => {
    const secretFile = join(dataDir, 'hook.secret');
    writeFileSync(secretFile, `${SECRET}\n`);
    const added = await cli('notify', 'channel', 'add', 'hooks', '--type', 'webhook', '--webhook-url', `${receiver.base}/flaky`, '--secret-file', secretFile);
    expect(added.err).toBe('');
    expect(added.out).toContain('saved webhook channel hooks (set: secret)');
    const channel = (await gantry.api('GET', '/notifications/channels/hooks')).body as { credentialsSet: string[]; config: Record<string, unknown> };
    expect(channel.credentialsSet).toEqual(['secret']);
    expect((await cli('notify', 'channel', 'list')).out).not.toContain(SECRET);
    expect(JSON.stringify(channel)).not.toContain(SECRET);
    expect(JSON.stringify((await gantry.api('GET', '/notifications/channels')).body)).not.toContain(SECRET);
    const unknownChannel = await gantry.api('PUT', '/notifications/subscriptions/nowhere', { channel: 'missing', events: ['deployment.succeeded'] });
    expect(unknownChannel.status).toBe(404);
    expect((unknownChannel.body as { code: string }).code).toBe('NOTIFICATION_CHANNEL_NOT_FOUND');
    const badEvent = await gantry.api('PUT', '/notifications/subscriptions/bad', { channel: 'hooks', events: ['deployment.exploded'] });
    expect(badEvent.status).toBe(400);
    expect((badEvent.body as { detail: string }).detail).toContain('events.0');
  });

  it('signs a deployment.succeeded webhook, retries 500s with backoff and logs 500, 500, 200; other apps get nothing', async () => {
    await put('/notifications/channels/others', { type: 'webhook', url: `${receiver.base}/other` });
    await put('/notifications/subscriptions/shop-deploys', { channel: 'hooks', events: ['deployment.succeeded'], apps: ['shop'] });
    await put('/notifications/subscriptions/other-deploys', { channel: 'others', events: ['deployment.succeeded'], apps: ['other'] });
    const deploymentId = await deploy('shop', '1.0.0');
    const delivered = await until('the webhook to be delivered', () => receiver.on('/flaky').find((entry) => entry.status === 200));
    const attempts = receiver.on('/flaky');
    expect(attempts.map((entry) => entry.status)).toEqual([500, 500, 200]);
    const body = bodyOf(delivered);
    expect(body).toMatchObject({ type: 'deployment.succeeded', subject: `deployment ${deploymentId}` });
    for (const entry of attempts) {
      expect(entry.headers['x-gantry-event']).toBe('deployment.succeeded');
      expect(entry.headers['x-gantry-delivery']).toBe(body.id);
      const signature = String(entry.headers['x-gantry-signature']);
      expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(verifyWebhookSignature(SECRET, signature, entry.body, entry.atSeconds, 60)).toBe(true);
      // Tampering with the body, the secret or the time breaks it.
      expect(verifyWebhookSignature(SECRET, signature, entry.body.replace('succeeded', 'failed'), entry.atSeconds, 60)).toBe(false);
      expect(verifyWebhookSignature('another-secret-of-16+', signature, entry.body, entry.atSeconds, 60)).toBe(false);
      expect(verifyWebhookSignature(SECRET, signature, entry.body, entry.atSeconds + 3600, 60)).toBe(false);
    }
    const log = await until('the delivery log to show the success', async () => {
      const shown = await detail(body.id);
      return shown.notification.state === 'delivered' ? shown : undefined;
    });
    expect(log.attempts.map((attempt) => attempt.statusCode)).toEqual([500, 500, 200]);
    expect(log.attempts.map((attempt) => attempt.delivered)).toEqual([false, false, true]);
    expect(log.attempts[0]!.error).toContain('HTTP 500');
    const shown = await cli('notify', 'show', body.id);
    expect(shown.code).toBe(0);
    expect(shown.out.split('\n').filter((line) => /^\d+ /.test(line)).map((line) => line.split(/\s+/).slice(2, 4).join(' '))).toEqual(['failed 500', 'failed 500', 'delivered 200']);
    expect(receiver.on('/other')).toEqual([]);
  });

  it('fails at once on a 404 and sends again when redelivered', async () => {
    await put('/notifications/channels/gone', { type: 'webhook', url: `${receiver.base}/gone` });
    await put('/notifications/subscriptions/gone-deploys', { channel: 'gone', events: ['deployment.succeeded'], apps: ['shop'] });
    await deploy('shop', '2.0.0');
    const failed = await until('the 404 to fail the notification', async () => (await notifications('?subscription=gone-deploys&state=failed'))[0]);
    expect(failed.attempts).toBe(1);
    expect(failed.lastStatusCode).toBe(404);
    expect(receiver.on('/gone')).toHaveLength(1);
    expect((await cli('notify', 'list', '--failed')).out).toContain(failed.id);
    const again = await cli('notify', 'redeliver', failed.id);
    expect(again.code).toBe(0);
    await until('the redelivery to fail again', async () => {
      const shown = await detail(failed.id);
      return shown.notification.state === 'failed' && shown.attempts.length === 2 ? shown : undefined;
    });
    expect(receiver.on('/gone')).toHaveLength(2);
    expect(new Set(receiver.on('/gone').map((entry) => entry.headers['x-gantry-delivery']))).toEqual(new Set([failed.id]));
    const pending = await gantry.api('POST', `/notifications/${failed.id}/redeliver`, {});
    expect([200, 409]).toContain(pending.status);
    // A test send goes out at once and says how it went; the outbound guard applies to it.
    const tested = await cli('notify', 'channel', 'test', 'gone');
    expect(tested.code).toBe(1);
    expect(tested.out).toContain(`test message not delivered to gone: webhook at ${receiver.base} answered HTTP 404`);
    await put('/notifications/channels/metadata', { type: 'webhook', url: 'http://169.254.169.254/latest/meta-data' });
    const refused = (await gantry.api('POST', '/notifications/channels/metadata/test', {})).body as { delivered: boolean; error: string };
    expect(refused.delivered).toBe(false);
    expect(refused.error).toContain('refusing to send to webhook at http://169.254.169.254');
  });

  it('gathers compliance changes on several targets into one digest message', async () => {
    await put('/notifications/channels/digests', { type: 'webhook', url: `${receiver.base}/digest` });
    await put('/notifications/subscriptions/compliance', { channel: 'digests', events: ['compliance.changed'], digest: '1s' });
    await put('/policies/bash-present', { rules: [{ package: 'bash' }] });
    const message = await until('the digest', () => receiver.on('/digest')[0]);
    const body = bodyOf(message);
    expect(body.type).toBe('compliance.changed');
    expect(body.items.map((item) => item.subject).sort()).toEqual(TARGETS.map((name) => `target ${name}`));
    expect(body.title).toContain('3');
    // Nothing else followed: one message for the three flips.
    await until('the digest to be delivered', async () => ((await notifications('?subscription=compliance'))[0]?.state === 'delivered' ? true : undefined));
    expect(receiver.on('/digest')).toHaveLength(1);
  });

  it('notifies each once key exactly once across a server restart', async () => {
    await put('/notifications/channels/late', { type: 'webhook', url: `${receiver.base}/late` });
    await put('/notifications/subscriptions/restart', { channel: 'late', events: ['deployment.started', 'deployment.batch-finished', 'deployment.succeeded'], apps: ['other'] });
    await deploy('other', '2.0.0');
    // The keys and notifications are written and delivery has begun (the receiver answers 503 for now).
    const queued = await until('five notifications tried at least once', async () => {
      const listed = await notifications('?subscription=restart');
      return listed.length === 5 && listed.every((entry) => entry.attempts >= 1) ? listed : undefined;
    });
    await gantry.close();
    // As if the node had died before moving its cursor: the new one reads the same events again.
    const store = openStore();
    try {
      await store.db.updateTable('notification_cursors').set({ position: 0 }).where('source', '=', 'events').execute();
    } finally {
      await store.close();
    }
    receiver.open();
    gantry = await start();
    const delivered = await until('every notification delivered', async () => {
      const listed = await notifications('?subscription=restart');
      return listed.length >= 5 && listed.every((entry) => entry.state === 'delivered') ? listed : undefined;
    });
    // The new server has read past the rewound events by now (each round scans before it delivers).
    const store2 = openStore();
    try {
      await until('the cursor to be back at the top', async () => {
        const cursor = await store2.db.selectFrom('notification_cursors').select('position').where('source', '=', 'events').executeTakeFirst();
        const newest = await store2.db.selectFrom('events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
        return Number(cursor?.position) >= Number(newest?.seq) ? true : undefined;
      });
    } finally {
      await store2.close();
    }
    await deploy('other', '3.0.0');
    await until('the next deployment to arrive', () => receiver.on('/late').find((entry) => entry.status === 200 && bodyOf(entry).title.includes('3.0.0') && bodyOf(entry).type === 'deployment.succeeded'));
    expect(delivered.map((entry) => entry.id).sort()).toEqual(queued.map((entry) => entry.id).sort());
    const arrivals = receiver.on('/late').filter((entry) => entry.status === 200).map(bodyOf);
    const keys = arrivals.map((body) => `${body.type} ${body.subject} ${body.title}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(arrivals.filter((body) => body.title.includes('2.0.0'))).toHaveLength(5);
  });
});
