import pg from 'pg';
import { z } from 'zod';

/**
 * What one node tells every node: there is new work to claim or a control request to look at
 * (`work`), a deployment has new events or logs (`progress`), or an agent connected to a node
 * (`agent`: a node whose steps wait for it reaches it there). Signals only wake nodes up
 * sooner; the database stays the only source of truth, so a lost signal costs at most one poll.
 */
export type NodeSignal = { readonly kind: 'work' } | { readonly kind: 'progress'; readonly deploymentId: string } | { readonly kind: 'agent'; readonly agent: string };

export interface NodeSignals {
  /** Delivers to this node at once and, with PostgreSQL, to every other node through NOTIFY. */
  publish(signal: NodeSignal): void;
  subscribe(listener: (signal: NodeSignal) => void): () => void;
  close(): Promise<void>;
}

export const SIGNAL_CHANNEL = 'gantry_signals';

const payloadSchema = z.object({
  from: z.string(),
  signal: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('work') }),
    z.object({ kind: z.literal('progress'), deploymentId: z.string().max(200) }),
    z.object({ kind: z.literal('agent'), agent: z.string().max(200) }),
  ]),
});

class LocalSignals {
  private readonly listeners = new Set<(signal: NodeSignal) => void>();

  deliver(signal: NodeSignal): void {
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch {
        // A listener's failure is its own; the others still hear the signal.
      }
    }
  }

  subscribe(listener: (signal: NodeSignal) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** Signals within one process: the embedded (SQLite) installation has a single node. */
export function createLocalSignals(): NodeSignals {
  const local = new LocalSignals();
  return { publish: (signal) => local.deliver(signal), subscribe: (listener) => local.subscribe(listener), close: async () => undefined };
}

export interface PostgresSignalOptions {
  readonly postgresUrl: string;
  /** This node's owner name; its own notifications come back to it and are skipped (they were delivered locally). */
  readonly from: string;
  /** Called when the listening connection fails; it reconnects by itself after `retryMs`. */
  readonly onError?: (error: unknown) => void;
  readonly retryMs?: number;
}

/**
 * Signals between the nodes on one PostgreSQL: a dedicated connection LISTENs on
 * `gantry_signals`, and publishing sends `pg_notify` over a small pool. When the listening
 * connection drops it is re-established, and a `work` signal is delivered locally then, since
 * notifications sent meanwhile are lost.
 */
export function createPostgresSignals(options: PostgresSignalOptions): NodeSignals {
  const local = new LocalSignals();
  const retryMs = options.retryMs ?? 1000;
  const sender = new pg.Pool({ connectionString: options.postgresUrl, max: 2 });
  sender.on('error', () => undefined);
  sender.on('connect', (client) => client.on('error', () => undefined));
  let listener: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: options.postgresUrl });
    client.on('notification', (message) => {
      if (message.channel !== SIGNAL_CHANNEL || message.payload === undefined) return;
      let parsed: z.infer<typeof payloadSchema>;
      try {
        parsed = payloadSchema.parse(JSON.parse(message.payload));
      } catch {
        return;
      }
      if (parsed.from !== options.from) local.deliver(parsed.signal);
    });
    client.on('error', (error) => {
      options.onError?.(error);
      reconnectLater(client);
    });
    client.on('end', () => reconnectLater(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${SIGNAL_CHANNEL}`);
    } catch (error) {
      options.onError?.(error);
      reconnectLater(client);
      return;
    }
    if (closed) {
      await client.end().catch(() => undefined);
      return;
    }
    listener = client;
  };

  const reconnectLater = (client: pg.Client) => {
    if (listener === client) listener = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect().then(() => {
        // Whatever was signalled while no connection listened is looked at now.
        if (listener) local.deliver({ kind: 'work' });
      });
    }, retryMs);
  };

  const started = connect();

  return {
    publish(signal) {
      local.deliver(signal);
      if (closed) return;
      sender.query('SELECT pg_notify($1, $2)', [SIGNAL_CHANNEL, JSON.stringify({ from: options.from, signal })]).catch((error: unknown) => options.onError?.(error));
    },
    subscribe: (listen) => local.subscribe(listen),
    async close() {
      closed = true;
      clearTimeout(retry);
      await started;
      const client = listener;
      listener = null;
      if (client) {
        client.removeAllListeners('end');
        await client.end().catch(() => undefined);
      }
      await sender.end().catch(() => undefined);
    },
  };
}
