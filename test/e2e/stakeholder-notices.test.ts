import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { ChangeDto, CommunicationNoticeDto } from '../../src/protocol/changes-api.js';
import { captureIo } from '../cli/fake-server.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Stakeholder notices from a change's communication plan (issue 10), sent by a real server to a
 * real SMTP server: a warning before the window goes out as soon as the change is scheduled
 * (its due time has passed) and only once; "at start" waits for the change to really start and
 * "at end" for it to end; the audience's contact is a recipient; the preview shows each notice
 * rendered and whether it went out.
 */
interface Mail {
  readonly to: readonly string[];
  readonly mail: ParsedMail;
}

async function startSmtp(): Promise<{ port: number; mails: Mail[]; close(): Promise<void> }> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.server.address() as AddressInfo).port, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const dialect of DIALECTS) describe(`stakeholder notices (store: ${dialect})`, () => {
  let database: TestDatabase;
  let gantry: TestGantry;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let dataDir: string;
  const subjects = () => smtp.mails.map((entry) => entry.mail.subject ?? '');
  const notices = async (id: string) => (await gantry.api<{ notices: CommunicationNoticeDto[] }>('GET', `/changes/${id}/communications`)).body.notices;

  const plan = (window: { start: string; end: string }) => ({
    goals: ['new checkout'],
    window,
    autoStart: true,
    stakeholders: [
      { name: 'support', contact: 'support@example.test' },
      { name: 'customers', contact: 'status page' },
    ],
    communications: [
      { audience: 'support', when: '3h before start', message: 'Heads up: {{app}} {{version}} goes out at {{window.start}} ({{change.id}})' },
      { audience: 'all', when: 'at start', message: '{{change.id}} has started' },
      { audience: 'customers', when: 'at end', message: '{{change.id}} is finished' },
    ],
  });

  beforeAll(async () => {
    database = await createTestDatabase(dialect);
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-notices-'));
    smtp = await startSmtp();
    const settingsFile = join(dataDir, 'change-settings.yaml');
    // No votes needed: a submitted change is scheduled at once.
    writeFileSync(settingsFile, 'approvals: { rules: [], otherwise: { name: pre-approved, requirements: [] } }\n');
    gantry = await startTestGantry({
      ...(database.postgresUrl ? { postgresUrl: database.postgresUrl } : {}),
      dataDir,
      env: { GANTRY_CHANGE_SETTINGS: settingsFile, GANTRY_OUTBOUND_ALLOW: '127.0.0.1', GANTRY_NOTIFY_INTERVAL: '100ms', GANTRY_NOTIFY_RETRY_BASE: '100ms' },
    });
    await gantry.addTarget({ name: 'shop-1', labels: { app: 'shop' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-shop-')) } });
    await gantry.apply('app: shop\nenvironments:\n  - { name: production, targets: { app: shop }, protected: true }\nstrategy: { type: allAtOnce }\n');
    for (const version of ['1.0.0', '2.0.0']) await gantry.release('shop', version, makeBuildDir({ VERSION: version }));
    const channel = await gantry.api('PUT', '/notifications/channels/stakeholders', { type: 'email', smtp: { host: '127.0.0.1', port: smtp.port }, from: 'gantry@example.test', to: ['changes@example.test'] });
    expect(channel.status, JSON.stringify(channel.body)).toBeLessThan(300);
    const subscription = await gantry.api('PUT', '/notifications/subscriptions/notices', { channel: 'stakeholders', events: ['change.communication'], apps: ['shop'] });
    expect(subscription.status, JSON.stringify(subscription.body)).toBeLessThan(300);
  }, 120_000);
  afterAll(async () => {
    await gantry?.close();
    await smtp?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('warns before the window once, waits for the real start and end, and shows what went out', async () => {
    // The window opens in 2h: "3h before start" fell due an hour ago, so it goes out once scheduled.
    const later = { start: new Date(Date.now() + 2 * 3_600_000).toISOString(), end: new Date(Date.now() + 3 * 3_600_000).toISOString() };
    const created = await gantry.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '1.0.0', environment: 'production', plan: plan(later) });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id;
    expect((await notices(id)).map((notice) => notice.status)).toEqual(['waiting', 'waiting', 'waiting']);
    expect((await gantry.api<ChangeDto>('POST', `/changes/${id}/submit`)).body.state).toBe('scheduled');

    const warning = await until('the warning mail', async () => smtp.mails.find((entry) => entry.mail.text?.includes(`(${id})`)));
    expect(warning.mail.text).toContain(`Heads up: shop 1.0.0 goes out at ${later.start} (${id})`);
    // The channel's own address, and the audience's contact (an email address; "status page" is not one).
    expect([...warning.to].sort()).toEqual(['changes@example.test', 'support@example.test']);

    const shown = await notices(id);
    expect(shown[0]).toMatchObject({ status: 'scheduled', recipients: ['support@example.test'] });
    expect(shown[0]!.sentAt).not.toBeNull();
    expect(shown.slice(1).map((notice) => [notice.status, notice.why, notice.sentAt])).toEqual([
      ['waiting', 'waits for the change to start', null],
      ['waiting', 'waits for the change to end', null],
    ]);
    const io = captureIo();
    expect(await main(['node', 'gantry', 'change', 'comms', id, '--url', gantry.url, '--token', gantry.token], { ...io, env: {} })).toBe(0);
    expect(io.out()).toContain(`#1 to support, 3h before start (sent `);
    expect(io.out()).toContain(`#2 to all, at start (waiting: waits for the change to start)`);

    // Scanning on does not send it again.
    const before = smtp.mails.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(smtp.mails.length).toBe(before);
    expect(subjects().filter((subject) => subject.includes('Heads up'))).toHaveLength(1);
    expect((await gantry.api('POST', `/changes/${id}/cancel`)).status).toBe(200);
  }, 120_000);

  it('says "started" when the change really starts and "finished" when it ends', async () => {
    const soon = { start: new Date(Date.now() + 3000).toISOString(), end: new Date(Date.now() + 3_600_000).toISOString() };
    const created = await gantry.api<ChangeDto>('POST', '/changes', { app: 'shop', version: '2.0.0', environment: 'production', plan: plan(soon) });
    const id = created.body.id;
    expect((await gantry.api<ChangeDto>('POST', `/changes/${id}/submit`)).body.state).toBe('scheduled');
    // The window starts in 3s: a "3h before start" warning is still sent (it has not started yet).
    const started = await until('the start notice', async () => smtp.mails.find((entry) => entry.mail.text?.includes(`${id} has started`)));
    expect([...started.to].sort()).toEqual(['changes@example.test', 'support@example.test']);
    const history = (await gantry.api<{ events: { toState: string | null; at: string }[] }>('GET', `/changes/${id}/history`)).body.events;
    const implementAt = history.find((event) => event.toState === 'implement')!.at;
    // Sent no earlier than the change really started.
    expect(started.mail.date!.getTime()).toBeGreaterThanOrEqual(Date.parse(implementAt) - 1000);

    const finished = await until('the end notice', async () => smtp.mails.find((entry) => entry.mail.text?.includes(`${id} is finished`)));
    // "customers" has no email contact: only the channel's own address.
    expect(finished.to).toEqual(['changes@example.test']);
    expect((await gantry.api<ChangeDto>('GET', `/changes/${id}`)).body.state).toBe('review');
    expect((await notices(id)).every((notice) => notice.sentAt !== null)).toBe(true);
  }, 120_000);

  it('refuses a plan whose notice has no time Gantry can keep, or names an unknown placeholder, naming the field', async () => {
    const create = (communication: { when: string; message: string }) =>
      gantry.api<{ code: string; detail: string }>('POST', '/changes', { app: 'shop', version: '2.0.0', environment: 'production', plan: { communications: [{ audience: 'support', ...communication }] } });
    const vague = await create({ when: 'the day before', message: 'hi' });
    expect([vague.status, vague.body.code]).toEqual([400, 'REQUEST_INVALID']);
    expect(vague.body.detail).toMatch(/^plan\.communications\.0\.when: write "at start"/);
    const typo = await create({ when: 'at start', message: 'hi {{change.titel}}' });
    expect(typo.status).toBe(400);
    expect(typo.body.detail).toMatch(/^plan\.communications\.0\.message: unknown placeholder \{\{change\.titel\}\}/);
  });
});
