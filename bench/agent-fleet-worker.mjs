// Worker process of bench/agent-fleet.mjs (forked by it; not meant to be run by hand).
//
//   node bench/agent-fleet-worker.mjs agents        many simulated agents in this one process
//   node bench/agent-fleet-worker.mjs floor-server  a plain `ws` server, the floor's server side
//
// role `agents`: every simulated agent is the real session client of dist/agent/session.js
// (runSessions: challenge → signed hello → welcome → heartbeats, facts, reconnects) with the
// agent's real Ed25519 key. Only the CommandRunner is simulated: it spawns nothing and answers
// every `run` at once with exit code 0 (after `stdin-end` when the command takes input). The
// same process also holds the floor's plain `ws` clients, which answer each frame with one
// `result` frame and nothing else.
//
// role `floor-server`: a bare WebSocketServer on loopback that keeps connections idle, and on
// request does R sequential request/reply round trips with each of D connections at once.
//
// Everything is driven by IPC messages from the parent (see `handlers` below); every reply
// carries the request's `seq`.
import { createPrivateKey } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (path) => import(pathToFileURL(join(repo, 'dist', path)).href);
const { WebSocket, WebSocketServer } = await import('ws');

const role = process.argv[2];
if (!process.send) throw new Error('agent-fleet-worker.mjs is forked by bench/agent-fleet.mjs');

const CLK_TCK = Number(process.env.BENCH_CLK_TCK || 100);
const OK_RESULT = Object.freeze({ exitCode: 0, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: false, interrupted: false });

function usage() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return { cpuS: (fields[11] + fields[12]) / CLK_TCK, rssKb: rss ? Number(rss[1]) : NaN };
}

function reply(seq, body) {
  process.send({ seq, ...body });
}

// ---------------------------------------------------------------- role: agents
async function agentsRole() {
  const { runSessions } = await dist('agent/session.js');
  const { rawPublicKey } = await dist('agent/identity.js');
  const { readAgentVersion } = await dist('agent/version.js');
  const agentVersion = readAgentVersion();

  /** Frames seen by the simulated runners, for the report and the floor's sizing. */
  const counters = { run: 0, runBytes: 0, stdin: 0, stdinBytes: 0, stdinEnd: 0, cancel: 0, ack: 0, ackDuplicate: 0, refused: 0, tcpOpen: 0, tcpOther: 0, results: 0, welcomes: 0, notWelcomed: 0, disconnects: 0, otherLog: 0 };
  const refusals = [];
  const logSample = [];
  let controller = null;
  let sessions = [];
  /** name → live connection of that agent (attached runner). */
  const live = new Map();

  const factsOf = (name) => ({
    hostname: name,
    os: { name: 'Debian GNU/Linux', version: '12' },
    kernel: '6.1.0-bench',
    architecture: 'x64',
    cpus: 2,
    memoryBytes: 4 * 1024 ** 3,
    disks: [{ mount: '/', sizeBytes: 100 * 1024 ** 3, freeBytes: 60 * 1024 ** 3 }],
    addresses: ['10.0.0.1'],
    packages: [],
    agentVersion,
    uptimeSeconds: 86_400,
  });

  /** The simulated CommandRunner: the shape session.ts attaches (attach/detach/handle), no processes. */
  function simulatedRunner(name, onWelcome) {
    let connection = null;
    /** Commands that take input and wait for their stdin-end: id → token. */
    const waiting = new Map();
    const answer = (id, token, result = OK_RESULT) => {
      if (!connection) return; // detached: the server redelivers the run on the next session
      connection.send({ type: 'result', id, token, session: connection.sessionId, result });
      counters.results++;
    };
    return {
      attach(next) {
        connection = next;
        live.set(name, next);
        counters.welcomes++;
        onWelcome();
      },
      detach() {
        connection = null;
        waiting.clear();
        live.delete(name);
      },
      handle(message) {
        switch (message.type) {
          case 'run':
            counters.run++;
            counters.runBytes += JSON.stringify(message).length;
            if (message.stdin) waiting.set(message.id, message.token);
            else answer(message.id, message.token);
            return;
          case 'stdin':
            counters.stdin++;
            counters.stdinBytes += message.data.length;
            return;
          case 'stdin-end': {
            counters.stdinEnd++;
            const token = waiting.get(message.id);
            if (token === undefined) return;
            waiting.delete(message.id);
            answer(message.id, token);
            return;
          }
          case 'cancel': {
            counters.cancel++;
            const token = waiting.get(message.id);
            if (token === undefined) return;
            waiting.delete(message.id);
            answer(message.id, token, { ...OK_RESULT, exitCode: null, exitSignal: 'TERM', cancelled: true });
            return;
          }
          case 'ack':
            counters.ack++;
            if (message.duplicate) counters.ackDuplicate++;
            return;
          case 'refused':
            counters.refused++;
            if (refusals.length < 5) refusals.push(`${name} ${message.id}: ${message.reason}`);
            return;
          case 'tcp-open':
            counters.tcpOpen++;
            connection?.send({ type: 'tcp-error', id: message.id, message: 'simulated agent: no TCP connections' });
            return;
          default:
            counters.tcpOther++;
        }
      },
    };
  }

  const handlers = {
    /** Start every agent's session; answers once each has been welcomed once. */
    async connect({ url, agents, concurrency }) {
      controller = new AbortController();
      // One signal stops every session of this process (a real agent has one session per signal).
      setMaxListeners(0, controller.signal);
      const started = performance.now();
      let next = 0;
      let welcomedOnce = 0;
      const startOne = () =>
        new Promise((resolveWelcome) => {
          const { name, pem } = agents[next++];
          const privateKey = createPrivateKey(pem);
          let first = true;
          const log = (line) => {
            if (line.startsWith('connected to')) return;
            if (line.startsWith('disconnected')) counters.disconnects++;
            else if (line.startsWith('cannot connect')) counters.notWelcomed++;
            else counters.otherLog++;
            if (logSample.length < 10) logSample.push(`${name}: ${line}`);
          };
          const runner = simulatedRunner(name, () => {
            if (first) {
              first = false;
              welcomedOnce++;
              resolveWelcome();
            }
          });
          sessions.push(
            runSessions({
              urls: [url],
              name,
              key: { privateKey, publicKey: rawPublicKey(privateKey) },
              agentVersion,
              collectFacts: async () => factsOf(name),
              factsIntervalMs: 24 * 3_600_000,
              log,
              signal: controller.signal,
              runner,
            }),
          );
        });
      // A bounded number of handshakes in flight per worker: a fleet does not all boot in the same millisecond.
      const lanes = Array.from({ length: Math.min(concurrency, agents.length) }, async () => {
        while (next < agents.length && !controller.signal.aborted) await startOne();
      });
      await Promise.all(lanes);
      return { welcomed: welcomedOnce, ms: performance.now() - started };
    },
    async stats() {
      return { counters: { ...counters }, refusals: [...refusals], logSample: [...logSample], live: live.size, ...usage() };
    },
    async disconnect() {
      controller?.abort();
      const ends = await Promise.all(sessions);
      sessions = [];
      return { ended: ends.length, ...usage() };
    },
    ...floorClientHandlers(),
  };
  return handlers;
}

/** The floor's clients: plain `ws` connections that answer every frame with a `result` frame. */
function floorClientHandlers() {
  let sockets = [];
  return {
    async floorConnect({ url, count, concurrency }) {
      const started = performance.now();
      let next = 0;
      const openOne = () =>
        new Promise((resolve, reject) => {
          next++;
          const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
          ws.on('message', (data) => {
            const message = JSON.parse(data.toString());
            ws.send(JSON.stringify({ type: 'result', id: message.id, token: message.token, session: 'floor', result: OK_RESULT }));
          });
          ws.once('open', () => resolve());
          ws.once('error', reject);
          sockets.push(ws);
        });
      await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
        while (next < count) await openOne();
      }));
      return { open: sockets.length, ms: performance.now() - started, ...usage() };
    },
    async floorDisconnect() {
      await Promise.all(sockets.map((ws) => new Promise((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', resolve);
        ws.close();
        setTimeout(() => ws.terminate(), 2000).unref();
      })));
      const closed = sockets.length;
      sockets = [];
      return { closed };
    },
  };
}

// ---------------------------------------------------------------- role: floor-server
async function floorServerRole() {
  const connections = [];
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 4 * 1024 * 1024 });
  server.on('connection', (socket) => {
    const connection = { socket, waiting: null };
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString());
      const waiting = connection.waiting;
      connection.waiting = null;
      waiting?.(message);
    });
    socket.on('close', () => {
      const index = connections.indexOf(connection);
      if (index >= 0) connections.splice(index, 1);
    });
    connections.push(connection);
  });
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    async address() {
      return { port: server.address().port, ...usage() };
    },
    async count() {
      return { connections: connections.length, ...usage() };
    },
    /**
     * R sequential round trips on each of the first D connections, all connections at once: a
     * `run`-shaped frame of about `frameBytes` goes out, the reply is awaited and parsed.
     */
    async roundTrips({ clients, perClient, frameBytes }) {
      if (connections.length < clients) throw new Error(`only ${connections.length} floor connections, ${clients} wanted`);
      const template = { type: 'run', id: '', token: 1, script: '', timeoutMs: 600_000, stdin: false };
      const padding = 'x'.repeat(Math.max(0, frameBytes - JSON.stringify(template).length - 40));
      const started = performance.now();
      let frames = 0;
      await Promise.all(
        connections.slice(0, clients).map(async (connection, index) => {
          for (let r = 0; r < perClient; r++) {
            const id = `floor/${index}/attempt#${r + 1}`;
            const replied = new Promise((resolve) => (connection.waiting = resolve));
            connection.socket.send(JSON.stringify({ ...template, id, script: padding }));
            const message = await replied;
            if (message.id !== id) throw new Error(`floor: reply for ${message.id}, expected ${id}`);
            frames++;
          }
        }),
      );
      return { ms: performance.now() - started, frames };
    },
  };
}

// ---------------------------------------------------------------- IPC loop
const handlers = role === 'agents' ? await agentsRole() : role === 'floor-server' ? await floorServerRole() : null;
if (!handlers) throw new Error(`unknown role ${role} (agents | floor-server)`);
process.on('message', async (message) => {
  if (message.type === 'exit') process.exit(0);
  const handler = handlers[message.type];
  if (!handler) return reply(message.seq, { error: `unknown request ${message.type}` });
  try {
    reply(message.seq, { ok: await handler(message) });
  } catch (error) {
    reply(message.seq, { error: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
});
// The parent going away (crash, kill) must not leave this process behind.
process.on('disconnect', () => process.exit(0));
process.send({ seq: 0, ok: { ready: true, pid: process.pid } });
