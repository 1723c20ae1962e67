/** A tiny node:http server on 127.0.0.1:0 for the CLI and client tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export type Handler = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface FakeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(handler: Handler): Promise<FakeServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = { method: incoming.method ?? 'GET', url: incoming.url ?? '/', headers: incoming.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      Promise.resolve(handler(request, response)).catch((error: unknown) => {
        response.statusCode = 599;
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

export function sendProblem(response: ServerResponse, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  sendJson(response, status, { type: `https://gantry.dev/errors/${code}`, title: code, status, code, detail, ...extra }, 'application/problem+json');
}

/** A port nothing listens on (bound, then released). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Collects what the CLI writes, for main(argv, { stdout, stderr }). */
export function captureIo(): { stdout: { write(chunk: string): boolean }; stderr: { write(chunk: string): boolean }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => ((out += chunk), true) },
    stderr: { write: (chunk: string) => ((err += chunk), true) },
    out: () => out,
    err: () => err,
  };
}

export const deploymentDto = (overrides: Record<string, unknown> = {}) => ({
  id: 'd-1',
  app: 'shop',
  environment: 'staging',
  version: '1.0.0',
  kind: 'deploy',
  state: 'queued',
  reason: null,
  batches: null,
  allowedFailures: null,
  currentBatch: 0,
  gates: null,
  nextGate: 0,
  resumeAt: null,
  controlRequest: null,
  forced: false,
  changeId: null,
  patch: null,
  createdAt: '2025-01-01T00:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  ...overrides,
});

export const eventDto = (seq: number, type: string, target: string | null = null, data: Record<string, unknown> = {}) => ({
  seq,
  target,
  type,
  data,
  at: '2025-01-01T00:00:00.000Z',
});

export const logDto = (seq: number, text: string, target: string | null = 'web-1', step: string | null = 'upload', stream = 'stdout') => ({
  seq,
  target,
  step,
  stream,
  text,
  at: '2025-01-01T00:00:00.000Z',
});

export function sse(event: string, data: unknown, id?: number): string {
  return `event: ${event}\n${id === undefined ? '' : `id: ${id}\n`}data: ${JSON.stringify(data)}\n\n`;
}
