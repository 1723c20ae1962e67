import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient, ApiUnreachableError, type DeploymentStreamItem } from '../../src/client/api-client.js';
import { SseParser } from '../../src/client/deployment-stream.js';
import { GantryError } from '../../src/core/errors.js';
import { closedPortUrl, deploymentDto, eventDto, logDto, sendProblem, sse, startFakeServer, type FakeServer } from './fake-server.js';

describe('SseParser', () => {
  it('reads events, ids, multi-line data, and ignores comments', () => {
    const parser = new SseParser();
    const messages = parser.push(': keepalive\n\nevent: progress\nid: 7\ndata: {"a":1}\n\ndata: line one\ndata: line two\n\n');
    expect(messages).toEqual([
      { event: 'progress', data: '{"a":1}', id: '7', retry: undefined },
      { event: 'message', data: 'line one\nline two', id: '7', retry: undefined },
    ]);
  });

  it('assembles messages split anywhere across chunks, including inside CRLF', () => {
    const text = 'event: log\r\ndata: {"x":"é"}\r\n\r\nevent: end\rdata:{}\r\r';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser();
      const messages = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(messages.map((message) => [message.event, message.data])).toEqual([
        ['log', '{"x":"é"}'],
        ['end', '{}'],
      ]);
    }
  });

  it('reads retry, and a field without a colon', () => {
    const parser = new SseParser();
    expect(parser.push('retry: 250\ndata\n\n')).toEqual([{ event: 'message', data: '', id: undefined, retry: 250 }]);
  });

  it('does not dispatch a message without data', () => {
    const parser = new SseParser();
    expect(parser.push('event: progress\n\n')).toEqual([]);
  });
});

describe('client.streamDeployment', () => {
  let server: FakeServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  async function collect(iterable: AsyncIterable<DeploymentStreamItem>): Promise<DeploymentStreamItem[]> {
    const items: DeploymentStreamItem[] = [];
    for await (const item of iterable) items.push(item);
    return items;
  }

  it('reconnects after a dropped connection with the last seen seqs, without repeating anything', async () => {
    let connection = 0;
    server = await startFakeServer((request, response) => {
      connection++;
      response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      if (connection === 1) {
        expect(request.url).toBe('/api/v1/deployments/d-1/stream?after=0&logsAfter=0');
        response.write(sse('progress', eventDto(1, 'deployment:started'), 1));
        response.write(sse('log', logDto(1, 'hello'), 1));
        response.write(sse('progress', eventDto(2, 'batch:started', null, { batch: 0, targets: ['web-1'] }), 2));
        // A half-written message, then the connection drops.
        response.write('event: progress\ndata: {"seq":3');
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      expect(request.url).toBe('/api/v1/deployments/d-1/stream?after=2&logsAfter=1');
      // The server may repeat an item at the boundary; the client drops it.
      response.write(sse('progress', eventDto(2, 'batch:started'), 2));
      response.write(sse('progress', eventDto(3, 'task:succeeded', 'web-1'), 3));
      response.write(sse('log', logDto(2, 'bye'), 2));
      response.end(sse('end', deploymentDto({ state: 'succeeded', reason: '1 of 1 targets on 1.0.0' })));
    });
    const reconnects: string[] = [];
    const client = createApiClient({ url: server.url, token: 't' });
    const items = await collect(client.streamDeployment('d-1', { reconnectDelayMs: 10, onReconnect: (_attempt, reason) => reconnects.push(reason) }));
    expect(items.map((item) => (item.type === 'progress' ? `progress ${item.event.seq}` : item.type === 'log' ? `log ${item.line.seq}` : `end ${item.deployment.state}`))).toEqual([
      'progress 1',
      'log 1',
      'progress 2',
      'progress 3',
      'log 2',
      'end succeeded',
    ]);
    expect(reconnects).toHaveLength(1);
    expect(server.requests.every((request) => request.headers.authorization === 'Bearer t')).toBe(true);
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('reconnects when the server closes the stream cleanly before `end`', async () => {
    let connection = 0;
    server = await startFakeServer((_request, response) => {
      connection++;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (connection === 1) response.end(sse('progress', eventDto(1, 'deployment:started')));
      else response.end(sse('end', deploymentDto({ state: 'failed' })));
    });
    const items = await collect(createApiClient({ url: server.url }).streamDeployment('d-1', { reconnectDelayMs: 5 }));
    expect(items.map((item) => item.type)).toEqual(['progress', 'end']);
    expect(server.requests[1]?.url).toBe('/api/v1/deployments/d-1/stream?after=1&logsAfter=0');
  });

  it('resumes from the seqs it is given', async () => {
    server = await startFakeServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.end(sse('end', deploymentDto({ state: 'succeeded' })));
    });
    await collect(createApiClient({ url: server.url }).streamDeployment('d/1', { after: 40, logsAfter: 9 }));
    expect(server.requests[0]?.url).toBe('/api/v1/deployments/d%2F1/stream?after=40&logsAfter=9');
  });

  it('throws the server error for an unknown deployment, without retrying', async () => {
    server = await startFakeServer((_request, response) => sendProblem(response, 404, 'DEPLOYMENT_NOT_FOUND', 'no deployment d-9'));
    const error = await collect(createApiClient({ url: server.url }).streamDeployment('d-9', { reconnectDelayMs: 5 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(GantryError);
    expect(error).toMatchObject({ code: 'DEPLOYMENT_NOT_FOUND', message: 'no deployment d-9' });
    expect(server.requests).toHaveLength(1);
  });

  it('stops with the server reason when the stream is denied midway, without reconnecting', async () => {
    server = await startFakeServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse('progress', eventDto(1, 'deployment:started'), 1));
      response.end(sse('denied', { type: 'about:blank', title: 'Permission denied', status: 403, code: 'PERMISSION_DENIED', detail: 'sid (viewer) may not read here, or it does not exist' }));
    });
    const seen: string[] = [];
    const error = await (async () => {
      for await (const item of createApiClient({ url: server!.url }).streamDeployment('d-1', { reconnectDelayMs: 5 })) seen.push(item.type);
    })().catch((caught: unknown) => caught);
    expect(seen).toEqual(['progress']);
    expect(error).toBeInstanceOf(GantryError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', message: 'sid (viewer) may not read here, or it does not exist' });
    expect(server.requests).toHaveLength(1);
  });

  it('gives up on a server it cannot reach after the allowed reconnects', async () => {
    const url = await closedPortUrl();
    const error = await collect(createApiClient({ url }).streamDeployment('d-1', { reconnectDelayMs: 1, maxReconnects: 2 })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiUnreachableError);
    expect((error as Error).message).toBe(`cannot reach the Gantry server at ${url} (is \`gantry serve\` running?)`);
  });

  it('reconnects when nothing arrives for the idle timeout', async () => {
    let connection = 0;
    server = await startFakeServer((_request, response) => {
      connection++;
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      if (connection === 1) response.write(': hello\n\n'); // then silence
      else response.end(sse('end', deploymentDto({ state: 'succeeded' })));
    });
    const items = await collect(createApiClient({ url: server.url }).streamDeployment('d-1', { reconnectDelayMs: 1, idleTimeoutMs: 100 }));
    expect(items.map((item) => item.type)).toEqual(['end']);
    expect(connection).toBe(2);
  });

  it('stops when the caller stops iterating', async () => {
    server = await startFakeServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(sse('progress', eventDto(1, 'deployment:started')));
    });
    for await (const item of createApiClient({ url: server.url }).streamDeployment('d-1')) {
      expect(item.type).toBe('progress');
      break;
    }
    expect(server.requests).toHaveLength(1);
  });
});
