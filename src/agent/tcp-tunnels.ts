/**
 * TCP connections the server opens from the agent's machine (health checks of a service that
 * listens on 127.0.0.1 there), relayed over the session: `tcp-open` → `tcp-opened` or
 * `tcp-error`, then `tcp-data` (base64) both ways and `tcp-end` for each direction.
 *
 * One TcpTunnels belongs to one session: when the session closes, every tunnel is destroyed
 * (the server's end of it is gone). At most MAX_TUNNELS are open at once, so a confused server
 * cannot exhaust the machine's sockets.
 */
import type { Duplex } from 'node:stream';
import type { AgentMessage } from '../protocol/agent.js';

export const MAX_TUNNELS = 64;

export type ConnectTcp = (host: string, port: number, timeoutMs: number) => Promise<Duplex>;

interface Tunnel {
  socket: Duplex | undefined;
  /** The server ended it or the session closed: a connection that opens late is dropped. */
  closed: boolean;
  /** tcp-end was sent: the server heard the whole stream from this side. */
  endSent: boolean;
}

/** A short reason for a failed connect: the message and the system error code behind it. */
function connectFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return (code ? `${message} (${code})` : message).slice(0, 500);
}

export class TcpTunnels {
  readonly #send: (message: AgentMessage) => void;
  readonly #connect: ConnectTcp;
  readonly #tunnels = new Map<string, Tunnel>();

  constructor(send: (message: AgentMessage) => void, connect: ConnectTcp) {
    this.#send = send;
    this.#connect = connect;
  }

  open(id: string, host: string, port: number, timeoutMs: number): void {
    if (this.#tunnels.has(id)) return this.#send({ type: 'tcp-error', id, message: 'a tunnel with this id is already open' });
    if (this.#tunnels.size >= MAX_TUNNELS) return this.#send({ type: 'tcp-error', id, message: `too many open tunnels (at most ${MAX_TUNNELS})` });
    const tunnel: Tunnel = { socket: undefined, closed: false, endSent: false };
    this.#tunnels.set(id, tunnel);
    this.#connect(host, port, timeoutMs).then(
      (socket) => this.#opened(id, tunnel, socket),
      (error: unknown) => {
        this.#forget(id, tunnel);
        if (!tunnel.closed) this.#send({ type: 'tcp-error', id, message: connectFailure(error) });
      },
    );
  }

  /** Data from the server for the connection. Ignored unless the tunnel is open. */
  write(id: string, data: string): void {
    const socket = this.#tunnels.get(id)?.socket;
    if (socket && !socket.writableEnded) socket.write(Buffer.from(data, 'base64'));
  }

  /** The server has no more to send: half-close, and keep relaying what comes back. */
  end(id: string): void {
    const tunnel = this.#tunnels.get(id);
    if (!tunnel) return;
    if (tunnel.socket) tunnel.socket.end();
    else {
      tunnel.closed = true;
      this.#forget(id, tunnel);
    }
  }

  /** The session closed: nobody is left to relay to. */
  closeAll(): void {
    for (const [id, tunnel] of this.#tunnels) {
      tunnel.closed = true;
      tunnel.socket?.destroy();
      this.#forget(id, tunnel);
    }
  }

  #opened(id: string, tunnel: Tunnel, socket: Duplex): void {
    // Before anything else: an 'error' without a listener would crash the agent.
    socket.on('error', () => undefined);
    if (tunnel.closed) {
      socket.destroy();
      return;
    }
    tunnel.socket = socket;
    const sendEnd = () => {
      if (tunnel.endSent || tunnel.closed) return;
      tunnel.endSent = true;
      this.#send({ type: 'tcp-end', id });
    };
    socket.on('data', (chunk: Buffer) => {
      if (!tunnel.closed) this.#send({ type: 'tcp-data', id, data: chunk.toString('base64') });
    });
    socket.on('end', sendEnd);
    // A reset ends the stream too: the server must not wait for more.
    socket.on('close', () => {
      sendEnd();
      this.#forget(id, tunnel);
    });
    this.#send({ type: 'tcp-opened', id });
  }

  #forget(id: string, tunnel: Tunnel): void {
    if (this.#tunnels.get(id) === tunnel) this.#tunnels.delete(id);
  }
}
