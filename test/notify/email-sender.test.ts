/**
 * The email channel against a real SMTP server (smtp-server) on 127.0.0.1, the mails read back
 * with mailparser. The outbound policy is the real one: refused addresses are never connected to.
 */
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import { emailChannelSchema, type EmailChannel } from '../../src/core/notify/channel-config.js';
import type { NotificationMessage } from '../../src/core/notify/message.js';
import { createEmailSender } from '../../src/notify/email-sender.js';
import { createOutboundPolicy, parseOutboundAllow } from '../../src/outbound/outbound-policy.js';

interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly mail: ParsedMail;
}

interface SmtpReceiver {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** TCP connections accepted, whatever came of them. */
  connections: number;
  close(): Promise<void>;
}

const receivers: SmtpReceiver[] = [];

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
});

const smtpError = (responseCode: number, text: string) => Object.assign(new Error(text), { responseCode });

async function startSmtp(options: Partial<SMTPServerOptions> = {}): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const receiver = { port: 0, mails, connections: 0, close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onConnect(_session, callback) {
      receiver.connections++;
      callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        (mail) => {
          mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((rcpt) => rcpt.address), mail });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
    ...options,
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.server.address() as AddressInfo).port;
  receiver.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  receivers.push(receiver);
  return receiver;
}

const loopbackOnly = createOutboundPolicy({ allow: parseOutboundAllow('127.0.0.1') });
const defaultPolicy = createOutboundPolicy({});

const channel = (port: number, overrides: Partial<EmailChannel['smtp']> = {}, host = '127.0.0.1'): EmailChannel =>
  emailChannelSchema.parse({ type: 'email', smtp: { host, port, ...overrides }, from: 'gantry@example.com', to: ['ops@example.com', 'dev@example.com'] });

const HOSTILE = '<script>alert("x")</script> & co';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  id: 'N-7',
  type: 'deployment.failed',
  subject: 'deployment D-12',
  severity: 'failure',
  title: 'shop 1.4.2 failed in production',
  lines: ['Step "migrate" failed on web-1'],
  items: [{ subject: 'deployment D-12', title: 'shop 1.4.2 failed in production', at: '2026-11-28T04:00:00.000Z', data: {} }],
  link: 'https://gantry.example.com/deployments/D-12',
  createdAt: '2026-11-28T04:00:01.000Z',
  ...overrides,
});

const send = (sender: ReturnType<typeof createEmailSender>, notification = message(), signal = AbortSignal.timeout(30_000)) => sender.send(notification, signal);

const addresses = (field: AddressObject | AddressObject[] | undefined) => [field ?? []].flat().flatMap((object) => object.value.map((address) => address.address));

describe('email channel', () => {
  it('sends a text and HTML mail with a [Gantry] subject, escaping what people typed', async () => {
    const smtp = await startSmtp();
    const outcome = await send(
      createEmailSender(channel(smtp.port), loopbackOnly),
      message({
        title: `Deploy of ${HOSTILE} failed`,
        lines: [`reason: ${HOSTILE}`],
        recipients: ['cab@example.com', 'OPS@example.com', 'not an address'],
      }),
    );
    expect(outcome).toEqual({ delivered: true, statusCode: 250, error: null, retryable: false });
    expect(smtp.mails).toHaveLength(1);
    const { from, to, mail } = smtp.mails[0]!;
    expect(from).toBe('gantry@example.com');
    // The channel's addresses, and the notice's own audience as blind copies (once each, valid only).
    expect(to).toEqual(['ops@example.com', 'dev@example.com', 'cab@example.com']);
    expect(addresses(mail.to)).toEqual(['ops@example.com', 'dev@example.com']);
    expect(mail.headers.get('bcc')).toBeUndefined();
    expect(mail.subject).toBe(`[Gantry] Deploy of ${HOSTILE} failed`);
    expect(mail.headers.get('x-gantry-delivery')).toBe('N-7');
    expect(mail.text).toContain(`reason: ${HOSTILE}`);
    expect(mail.text).toContain('Open in Gantry: https://gantry.example.com/deployments/D-12');
    const html = mail.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('reason: &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co');
    expect(html).toContain('<a href="https://gantry.example.com/deployments/D-12">Open in Gantry</a>');
  });

  it('lists every item of a digest', async () => {
    const smtp = await startSmtp();
    const items = ['web-1', 'web-2', `web-3 ${HOSTILE}`].map((host) => ({ subject: `target ${host}`, title: `drift on ${host}`, at: '2026-11-28T04:00:00.000Z', data: {} }));
    const outcome = await send(createEmailSender(channel(smtp.port), loopbackOnly), message({ type: 'drift.detected', severity: 'warning', title: 'Drift on 3 targets', lines: [], items }));
    expect(outcome.delivered).toBe(true);
    const { mail } = smtp.mails[0]!;
    for (const host of ['web-1', 'web-2', `web-3 ${HOSTILE}`]) expect(mail.text).toContain(`- drift on ${host} (target ${host}, 2026-11-28T04:00:00.000Z)`);
    expect((mail.html as string).match(/<li>/g)).toHaveLength(3);
    expect(mail.html as string).toContain('drift on web-3 &lt;script&gt;');
  });

  describe('with a login', () => {
    const onAuth: SMTPServerOptions['onAuth'] = (auth, _session, callback) => {
      if (auth.username === 'gantry' && auth.password === 'correct horse') callback(null, { user: 'gantry' });
      else callback(smtpError(535, 'Authentication credentials invalid'));
    };

    it('logs in with the channel user and password', async () => {
      const smtp = await startSmtp({ authOptional: false, allowInsecureAuth: true, onAuth });
      const outcome = await send(createEmailSender(channel(smtp.port, { user: 'gantry', password: 'correct horse' }), loopbackOnly));
      expect(outcome).toEqual({ delivered: true, statusCode: 250, error: null, retryable: false });
      expect(smtp.mails).toHaveLength(1);
    });

    it('gives up on a refused login, without the password in the error', async () => {
      const smtp = await startSmtp({ authOptional: false, allowInsecureAuth: true, onAuth });
      const outcome = await send(createEmailSender(channel(smtp.port, { user: 'gantry', password: 'wrong battery' }), loopbackOnly));
      expect(outcome).toMatchObject({ delivered: false, statusCode: 535, retryable: false });
      expect(outcome.error).toContain(`SMTP server 127.0.0.1:${smtp.port} refused the login`);
      expect(outcome.error).not.toContain('wrong battery');
      expect(outcome.error).not.toContain(Buffer.from('wrong battery').toString('base64'));
      expect(smtp.mails).toHaveLength(0);
    });
  });

  it('retries later on an SMTP 4xx reply, and gives up on a 5xx, with the reply code', async () => {
    const greylisting = await startSmtp({ onRcptTo: (_address, _session, callback) => callback(smtpError(451, 'Greylisted, try again later')) });
    const busy = await send(createEmailSender(channel(greylisting.port), loopbackOnly));
    expect(busy).toMatchObject({ delivered: false, statusCode: 451, retryable: true });
    expect(busy.error).toContain('Greylisted, try again later');

    const rejecting = await startSmtp({ onData: (stream, _session, callback) => stream.resume().on('end', () => callback(smtpError(550, 'Message rejected as spam'))) });
    const rejected = await send(createEmailSender(channel(rejecting.port), loopbackOnly));
    expect(rejected).toMatchObject({ delivered: false, statusCode: 550, retryable: false });
    expect(rejected.error).toContain(`SMTP server 127.0.0.1:${rejecting.port} refused the message`);
    expect(rejected.error).toContain('Message rejected as spam');
  });

  it('never connects to an address the outbound policy refuses, and says which host', async () => {
    const smtp = await startSmtp();
    const elsewhereOnly = createOutboundPolicy({ allow: parseOutboundAllow('10.0.0.0/8') });
    const refused = await send(createEmailSender(channel(smtp.port), elsewhereOnly));
    expect(refused).toEqual({ delivered: false, statusCode: null, error: `refusing to connect to SMTP server 127.0.0.1:${smtp.port}: 127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW`, retryable: false });

    const byName = await send(createEmailSender(channel(smtp.port, {}, 'localhost'), elsewhereOnly));
    expect(byName).toMatchObject({ delivered: false, retryable: false });
    expect(byName.error).toMatch(new RegExp(`^refusing to connect to SMTP server localhost:${smtp.port}: localhost resolves to .*, which is not in GANTRY_OUTBOUND_ALLOW$`));

    const ownPort = await send(createEmailSender(channel(smtp.port), createOutboundPolicy({ server: { host: '127.0.0.1', port: smtp.port } })));
    expect(ownPort).toMatchObject({ delivered: false, retryable: false });
    expect(ownPort.error).toContain("this Gantry server's own address");

    expect(smtp.connections).toBe(0);
    // The same channel with a policy that allows it does connect: the refusals above were the policy's.
    expect(await send(createEmailSender(channel(smtp.port), defaultPolicy))).toMatchObject({ delivered: true });
    expect(smtp.connections).toBe(1);
  });

  it('resolves a host name and connects only to an allowed address of it', async () => {
    const smtp = await startSmtp();
    // localhost may resolve to ::1 as well: only 127.0.0.1 is allowed, and that is where the server listens.
    const outcome = await send(createEmailSender(channel(smtp.port, {}, 'localhost'), loopbackOnly));
    expect(outcome).toEqual({ delivered: true, statusCode: 250, error: null, retryable: false });
    expect(smtp.mails).toHaveLength(1);
  });

  it('retries later when nothing answers at the address', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await send(createEmailSender(channel(port), loopbackOnly));
    expect(outcome).toMatchObject({ delivered: false, statusCode: null, retryable: true });
    expect(outcome.error).toMatch(new RegExp(`^cannot reach SMTP server 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`));
  });

  it('answers a cancelled send as retryable without sending', async () => {
    const smtp = await startSmtp();
    const outcome = await send(createEmailSender(channel(smtp.port), loopbackOnly), message(), AbortSignal.abort());
    expect(outcome).toMatchObject({ delivered: false, statusCode: null, retryable: true });
    expect(outcome.error).toContain('was cancelled');
    expect(smtp.mails).toHaveLength(0);
  });
});
