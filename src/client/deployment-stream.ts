/**
 * Follows GET /deployments/:id/stream (Server-Sent Events) as an async iterator of progress
 * events, log lines and, last, the deployment's final state. A connection that drops before
 * `end` (server restart, proxy timeout, network blip) is reopened with the last seen seqs, so
 * nothing is lost or repeated.
 */
import { GantryError } from '../core/errors.js';
import { deploymentSchema, eventSchema, logLineSchema, problemSchema, SSE_EVENTS, type DeploymentDto, type EventDto, type LogLineDto } from '../protocol/api.js';
import { ApiUnreachableError, authHeaders, buildUrl, errorFromProblem, errorFromResponse, isAbortError, networkReason, parseValue, type ApiConnection } from './http.js';

export type DeploymentStreamItem =
  | { readonly type: 'progress'; readonly event: EventDto }
  | { readonly type: 'log'; readonly line: LogLineDto }
  | { readonly type: 'end'; readonly deployment: DeploymentDto };

export interface DeploymentStreamOptions {
  /** Only progress events with a seq above this (default 0: all of them). */
  readonly after?: number;
  /** Only log lines with a seq above this (default 0: all of them). */
  readonly logsAfter?: number;
  /** Stops following; the iterator then throws the abort reason. */
  readonly signal?: AbortSignal;
  /** Wait before reconnecting (default 1000 ms; a `retry:` field from the server replaces it). */
  readonly reconnectDelayMs?: number;
  /** Give up after this many reconnects in a row without receiving anything (default 30). */
  readonly maxReconnects?: number;
  /** Reconnect when nothing (not even a keepalive) arrives for this long (default 60 s). */
  readonly idleTimeoutMs?: number;
  /** Called before each reconnect (for a "reconnecting…" notice). */
  readonly onReconnect?: (attempt: number, reason: string) => void;
}

export interface SseMessage {
  readonly event: string;
  readonly data: string;
  readonly id: string | undefined;
  readonly retry: number | undefined;
}

/**
 * An incremental parser for the text/event-stream format (WHATWG HTML §9.2.6): feed it decoded
 * text in chunks of any size; it returns the messages completed by each chunk.
 */
export class SseParser {
  private buffer = '';
  private pendingCarriageReturn = false;
  private event = '';
  private data: string[] = [];
  private hasData = false;
  private id: string | undefined;
  private retry: number | undefined;

  push(chunk: string): SseMessage[] {
    let text = chunk;
    // A CR at the end of the previous chunk may be the first half of a CRLF.
    if (this.pendingCarriageReturn && text.startsWith('\n')) text = text.slice(1);
    this.pendingCarriageReturn = false;
    this.buffer += text;
    const messages: SseMessage[] = [];
    let start = 0;
    for (let index = 0; index < this.buffer.length; index++) {
      const char = this.buffer[index];
      if (char !== '\n' && char !== '\r') continue;
      const line = this.buffer.slice(start, index);
      if (char === '\r') {
        if (index + 1 < this.buffer.length) {
          if (this.buffer[index + 1] === '\n') index++;
        } else {
          this.pendingCarriageReturn = true;
        }
      }
      start = index + 1;
      const message = this.line(line);
      if (message) messages.push(message);
    }
    this.buffer = this.buffer.slice(start);
    return messages;
  }

  private line(line: string): SseMessage | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.event = value;
        break;
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseMessage | undefined {
    const message = this.hasData ? { event: this.event || 'message', data: this.data.join('\n'), id: this.id, retry: this.retry } : undefined;
    this.event = '';
    this.data = [];
    this.hasData = false;
    this.retry = undefined;
    return message;
  }
}

/** The connection ended or failed before `end`: reconnect. */
class StreamDropped extends Error {
  constructor(message: string, readonly unreachable = false, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export async function* streamDeployment(
  connection: ApiConnection,
  path: string,
  options: DeploymentStreamOptions = {},
): AsyncGenerator<DeploymentStreamItem, void, undefined> {
  let after = options.after ?? 0;
  let logsAfter = options.logsAfter ?? 0;
  let delayMs = options.reconnectDelayMs ?? 1000;
  const maxReconnects = options.maxReconnects ?? 30;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  let failuresInARow = 0;
  const what = `GET ${path}`;

  for (;;) {
    options.signal?.throwIfAborted();
    const controller = new AbortController();
    const onAbort = () => controller.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let idleTimer: NodeJS.Timeout | undefined;
    const resetIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => controller.abort(new StreamDropped(`nothing received for ${idleTimeoutMs} ms`)), idleTimeoutMs);
    };
    let drop: StreamDropped;
    try {
      resetIdle();
      let response: Response;
      try {
        response = await connection.fetch(buildUrl(connection, path, { after, logsAfter }), {
          headers: { accept: 'text/event-stream', ...authHeaders(connection) },
          signal: controller.signal,
        });
      } catch (error) {
        if (options.signal?.aborted) throw options.signal.reason;
        const timedOut = isAbortError(error) || controller.signal.aborted;
        throw new StreamDropped(timedOut ? 'timed out' : (networkReason(error) ?? 'connection failed'), !timedOut, { cause: error });
      }
      if (!response.ok) {
        const error = await errorFromResponse(response, what);
        // A server that is up but cannot reach its store is worth waiting for; anything else is final.
        if (error.kind !== 'unavailable') throw error;
        throw new StreamDropped(error.message);
      }
      const contentType = response.headers.get('content-type') ?? '';
      if (!contentType.startsWith('text/event-stream')) {
        await response.body?.cancel().catch(() => undefined);
        throw new GantryError('INTERNAL', `${what}: the server answered ${contentType || 'without a content type'}, not an event stream`);
      }
      if (!response.body) throw new StreamDropped('empty answer');

      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      const parser = new SseParser();
      try {
        for (;;) {
          let chunk: Awaited<ReturnType<typeof reader.read>>;
          try {
            chunk = await reader.read();
          } catch (error) {
            if (options.signal?.aborted) throw options.signal.reason;
            throw new StreamDropped(controller.signal.reason instanceof StreamDropped ? controller.signal.reason.message : (networkReason(error) ?? 'connection lost'), false, { cause: error });
          }
          if (chunk.done) throw new StreamDropped('the server closed the stream before the deployment ended');
          resetIdle();
          for (const message of parser.push(decoder.decode(chunk.value, { stream: true }))) {
            failuresInARow = 0;
            if (message.retry !== undefined) delayMs = message.retry;
            const item = toItem(message, what);
            if (!item) continue;
            if (item.type === 'progress') {
              if (item.event.seq <= after) continue;
              after = item.event.seq;
            } else if (item.type === 'log') {
              if (item.line.seq <= logsAfter) continue;
              logsAfter = item.line.seq;
            }
            yield item;
            if (item.type === 'end') return;
          }
        }
      } finally {
        reader.cancel().catch(() => undefined);
      }
    } catch (error) {
      if (!(error instanceof StreamDropped)) throw error;
      drop = error;
    } finally {
      clearTimeout(idleTimer);
      options.signal?.removeEventListener('abort', onAbort);
      controller.abort();
    }

    failuresInARow++;
    if (failuresInARow > maxReconnects) {
      if (drop.unreachable) throw new ApiUnreachableError(connection.baseUrl, { cause: drop.cause, reason: drop.message });
      throw new GantryError('INTERNAL', `the progress stream from ${connection.baseUrl} dropped ${failuresInARow} times in a row (last: ${drop.message})`);
    }
    options.onReconnect?.(failuresInARow, drop.message);
    await sleep(delayMs, options.signal);
  }
}

function toItem(message: SseMessage, what: string): DeploymentStreamItem | undefined {
  if (!(Object.values(SSE_EVENTS) as string[]).includes(message.event)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(message.data);
  } catch (cause) {
    throw new GantryError('INTERNAL', `${what}: a "${message.event}" message is not JSON`, {}, { cause });
  }
  switch (message.event) {
    case SSE_EVENTS.progress:
      return { type: 'progress', event: parseValue(data, eventSchema, `${what} (progress)`) };
    case SSE_EVENTS.log:
      return { type: 'log', line: parseValue(data, logLineSchema, `${what} (log)`) };
    case SSE_EVENTS.denied:
      // The credential no longer covers the deployment: reconnecting would only be refused.
      throw errorFromProblem(parseValue(data, problemSchema, `${what} (denied)`));
    default:
      return { type: 'end', deployment: parseValue(data, deploymentSchema, `${what} (end)`) };
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
