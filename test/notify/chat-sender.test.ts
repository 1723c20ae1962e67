/**
 * The Slack and Teams channels against a real HTTP receiver on 127.0.0.1 standing in for the chat
 * services' incoming webhooks: the JSON they are sent, and how their answers are taken.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chatChannelSchema } from '../../src/core/notify/channel-config.js';
import type { NotificationMessage } from '../../src/core/notify/message.js';
import { createChatSender } from '../../src/notify/chat-sender.js';
import { createOutboundPolicy, parseOutboundAllow } from '../../src/outbound/outbound-policy.js';

interface ReceivedPost {
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: unknown;
}

/** What the receiver answers next, by path: a status and a body. */
const answers = new Map<string, { status: number; body: string }>();
const received: ReceivedPost[] = [];
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      received.push({ method: request.method ?? '', path, contentType: request.headers['content-type'] ?? '', body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const answer = answers.get(path) ?? { status: 200, body: 'ok' };
      response.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  answers.clear();
  received.length = 0;
});

const loopbackOnly = createOutboundPolicy({ allow: parseOutboundAllow('127.0.0.1') });
/** The path is what makes an incoming-webhook URL a credential. */
const SECRET_PATH = '/services/T000/B000/XXXXsecretXXXX';

const chat = (type: 'slack' | 'teams', path = SECRET_PATH) => chatChannelSchema.parse({ type, url: `${base}${path}` });

const HOSTILE = '<!channel> <script>x</script> & [click](https://evil.test)';

const message = (overrides: Partial<NotificationMessage> = {}): NotificationMessage => ({
  id: 'N-9',
  type: 'deployment.succeeded',
  subject: 'deployment D-3',
  severity: 'success',
  title: `shop ${HOSTILE} live in staging`,
  lines: ['3 targets, 2 batches'],
  items: [{ subject: 'deployment D-3', title: 'shop live in staging', at: '2026-11-28T04:00:00.000Z', data: {} }],
  link: 'https://gantry.example.com/deployments/D-3',
  createdAt: '2026-11-28T04:00:01.000Z',
  ...overrides,
});

const send = (type: 'slack' | 'teams', path = SECRET_PATH, policy = loopbackOnly) => createChatSender(chat(type, path), policy).send(message(), AbortSignal.timeout(30_000));

describe('Slack channel', () => {
  it('posts an incoming-webhook payload with mrkdwn blocks, escaped', async () => {
    expect(await send('slack')).toEqual({ delivered: true, statusCode: 200, error: null, retryable: false });
    expect(received).toHaveLength(1);
    const post = received[0]!;
    expect(post).toMatchObject({ method: 'POST', path: SECRET_PATH, contentType: 'application/json; charset=utf-8' });
    const body = post.body as { text: string; blocks: { type: string; text?: { type: string; text: string }; elements?: { type: string; text: string }[] }[] };
    expect(body.text).toBe('[Gantry] shop &lt;!channel&gt; &lt;script&gt;x&lt;/script&gt; &amp; [click](https://evil.test) live in staging');
    expect(body.blocks.map((block) => block.type)).toEqual(['section', 'context']);
    expect(body.blocks[0]!.text).toEqual({ type: 'mrkdwn', text: ':white_check_mark: *shop &lt;!channel&gt; &lt;script&gt;x&lt;/script&gt; &amp; [click](https://evil.test) live in staging*\n3 targets, 2 batches' });
    expect(body.blocks[1]!.elements).toEqual([{ type: 'mrkdwn', text: 'Deployment succeeded · deployment D-3 · 2026-11-28T04:00:01.000Z · <https://gantry.example.com/deployments/D-3|Open in Gantry>' }]);
  });
});

describe('Teams channel', () => {
  it('posts an Adaptive Card message, with card Markdown escaped', async () => {
    expect(await send('teams')).toEqual({ delivered: true, statusCode: 200, error: null, retryable: false });
    const body = received[0]!.body as { type: string; attachments: { contentType: string; content: { $schema: string; type: string; version: string; body: { type: string; text?: string }[] } }[] };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const attachment = body.attachments[0]!;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content).toMatchObject({ $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4' });
    expect(attachment.content.body.map((element) => element.type)).toEqual(['TextBlock', 'TextBlock', 'TextBlock', 'FactSet']);
    expect(attachment.content.body[1]).toMatchObject({ type: 'TextBlock', weight: 'Bolder', text: 'shop <!channel> <script>x</script> & \\[click\\](https://evil.test) live in staging' });
  });
});

describe('chat channel answers', () => {
  it('retries later on 5xx, 429 and 408, and gives up on other 4xx, naming only scheme and host', async () => {
    const cases = [
      { type: 'slack', status: 500, body: 'internal error', retryable: true },
      { type: 'teams', status: 503, body: '', retryable: true },
      { type: 'slack', status: 429, body: 'rate_limited', retryable: true },
      { type: 'teams', status: 408, body: '', retryable: true },
      { type: 'slack', status: 400, body: 'invalid_payload', retryable: false },
      { type: 'slack', status: 404, body: `no_service for ${base}${SECRET_PATH}`, retryable: false },
      { type: 'teams', status: 403, body: 'Forbidden', retryable: false },
    ] as const;
    for (const { type, status, body, retryable } of cases) {
      answers.set(SECRET_PATH, { status, body });
      const outcome = await send(type);
      expect(outcome, `${type} ${status}`).toMatchObject({ delivered: false, statusCode: status, retryable });
      const service = type === 'slack' ? 'Slack' : 'Teams';
      expect(outcome.error).toMatch(new RegExp(`^${service} webhook at ${base.replace(/\./g, '\\.')} answered HTTP ${status}`));
      expect(outcome.error).not.toContain('secret');
      if (body !== '' && !body.includes(SECRET_PATH)) expect(outcome.error).toContain(body);
    }
    expect(received).toHaveLength(cases.length);
  });

  it('does not follow a redirect', async () => {
    answers.set(SECRET_PATH, { status: 302, body: '' });
    const outcome = await send('slack');
    expect(outcome).toMatchObject({ delivered: false, statusCode: 302, retryable: false });
    expect(outcome.error).toContain('redirects are not followed');
  });

  it('never posts to an address the outbound policy refuses', async () => {
    const outcome = await send('slack', SECRET_PATH, createOutboundPolicy({ allow: parseOutboundAllow('10.0.0.0/8') }));
    expect(outcome).toEqual({ delivered: false, statusCode: null, error: `refusing to send to Slack webhook at ${base}: 127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW`, retryable: false });
    expect(received).toHaveLength(0);
  });

  it('retries later when nothing listens, without the URL path in the error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}${SECRET_PATH}`;
    await new Promise((resolve) => closed.close(resolve));
    const outcome = await createChatSender(chatChannelSchema.parse({ type: 'teams', url }), loopbackOnly).send(message(), AbortSignal.timeout(30_000));
    expect(outcome).toMatchObject({ delivered: false, statusCode: null, retryable: true });
    expect(outcome.error).toMatch(/^cannot reach Teams webhook at http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(outcome.error).not.toContain('secret');
  });
});
