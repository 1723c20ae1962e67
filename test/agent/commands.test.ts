/**
 * The agent's CommandRunner with real processes, a real attempt journal in a temporary
 * directory and real sockets; the session is a `send` that collects the frames. Covers what the
 * server relies on: output and one result per command, standard input byte for byte, cancel and
 * timeout killing the whole tree, a redelivered `run` never running twice (in the same process
 * and after a restart), interrupted commands, and TCP tunnels.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AttemptJournal } from '../../src/agent/attempt-journal.js';
import { CommandRunner, type CommandMessage } from '../../src/agent/commands.js';
import { MAX_TUNNELS } from '../../src/agent/tcp-tunnels.js';
import type { AgentMessage, CommandResult } from '../../src/protocol/agent.js';
import { waitFor } from './fake-agent-server.js';

type Frame<T extends AgentMessage['type']> = Extract<AgentMessage, { type: T }>;

describe('agent commands', () => {
  let dir: string;
  let root: string;
  let frames: AgentMessage[];
  let logs: string[];
  let runner: CommandRunner;
  let journal: AttemptJournal;
  const children: ChildProcess[] = [];
  const servers: Server[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-commands-'));
    root = join(dir, 'apps');
    frames = [];
    logs = [];
    await startAgent();
  });
  afterEach(async () => {
    runner.detach();
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const server of servers.splice(0)) server.close();
    // Journal writes still under way would race the removal of the directory.
    await journal.flush();
    await rm(dir, { recursive: true, force: true });
  });

  /** Opens the journal in `dir` and a runner over it, as the agent does at start; attached to session s-1. */
  async function startAgent(): Promise<string[]> {
    const opened = await AttemptJournal.open(dir);
    journal = opened.journal;
    runner = new CommandRunner({ root, journal, log: (line) => logs.push(line) });
    attach('s-1');
    return opened.interrupted;
  }

  function attach(sessionId: string): void {
    runner.attach({ sessionId, send: (message) => frames.push(message) });
  }

  function run(id: string, script: string, overrides: Partial<Extract<CommandMessage, { type: 'run' }>> = {}): void {
    runner.handle({ type: 'run', id, token: 7, script, timeoutMs: 20_000, stdin: false, redelivered: false, ...overrides });
  }

  function results(id: string): Frame<'result'>[] {
    return frames.filter((frame): frame is Frame<'result'> => frame.type === 'result' && frame.id === id);
  }

  async function resultOf(id: string, timeoutMs = 15_000): Promise<Frame<'result'>> {
    await waitFor(() => results(id).length > 0, timeoutMs, `the result of ${id}`);
    return results(id)[0]!;
  }

  function framesOf<T extends AgentMessage['type']>(type: T, id: string): Frame<T>[] {
    return frames.filter((frame): frame is Frame<T> => frame.type === type && 'id' in frame && frame.id === id);
  }

  function entryFile(id: string): string {
    return join(dir, 'attempts', `${createHash('sha256').update(id).digest('hex')}.json`);
  }

  async function lines(file: string): Promise<string[]> {
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean);
  }

  /** true once no process of the group is left (kill(-pgid, 0) says ESRCH). */
  function groupGone(pgid: number): boolean {
    try {
      process.kill(-pgid, 0);
      return false;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH';
    }
  }

  function sleeper(): ChildProcess & { pid: number } {
    const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    children.push(child);
    return child as ChildProcess & { pid: number };
  }

  it('runs a script, streams its output to the session and reports one result, kept in the journal', async () => {
    run('deploy/1/unpack', 'echo out; echo err >&2; exit 3');
    const result = await resultOf('deploy/1/unpack');
    expect(result).toEqual({
      type: 'result',
      id: 'deploy/1/unpack',
      token: 7,
      session: 's-1',
      result: { exitCode: 3, exitSignal: null, stdout: 'out\n', stderr: 'err\n', timedOut: false, cancelled: false, interrupted: false },
    });
    const output = framesOf('output', 'deploy/1/unpack');
    expect(output.every((frame) => frame.token === 7 && frame.session === 's-1')).toBe(true);
    expect(output.filter((frame) => frame.stream === 'stdout').map((frame) => frame.text).join('')).toBe('out\n');
    expect(output.filter((frame) => frame.stream === 'stderr').map((frame) => frame.text).join('')).toBe('err\n');

    // One private file per command, named by the id's sha256.
    const file = entryFile('deploy/1/unpack');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ id: 'deploy/1/unpack', token: 7, result: result.result });
    expect((await readdir(join(dir, 'attempts'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    runner.handle({ type: 'ack', id: 'deploy/1/unpack', duplicate: false });
    await waitFor(() => JSON.parse(readFileSync(file, 'utf8')).acknowledged === true, 5000, 'the acknowledgement on disk');
    runner.handle({ type: 'refused', id: 'deploy/1/other', reason: 'not from this lease' });
    expect(logs).toContain('the server refused the result of deploy/1/other: not from this lease');
  });

  it('feeds stdin chunks to the script byte for byte, and ignores input for commands not waiting for it', async () => {
    const input = randomBytes(300 * 1024);
    const file = join(dir, 'received.bin');
    run('upload', `cat > '${file}'`, { stdin: true });
    for (let offset = 0; offset < input.length; offset += 48 * 1024) {
      runner.handle({ type: 'stdin', id: 'upload', data: input.subarray(offset, offset + 48 * 1024).toString('base64') });
    }
    runner.handle({ type: 'stdin', id: 'nobody', data: 'AAAA' });
    runner.handle({ type: 'stdin-end', id: 'upload' });
    expect((await resultOf('upload')).result).toMatchObject({ exitCode: 0, cancelled: false, timedOut: false });
    expect((await readFile(file)).equals(input)).toBe(true);
    // Late input for a finished command goes nowhere (and does not throw).
    runner.handle({ type: 'stdin', id: 'upload', data: 'AAAA' });
    runner.handle({ type: 'stdin-end', id: 'upload' });
    expect(logs).toEqual([]);
  });

  it('cancel kills the whole process tree and reports cancelled', async () => {
    run('hook', 'sleep 30 & sleep 30; wait');
    await waitFor(() => (journal.get('hook')?.pid ?? null) !== null, 5000, 'the pid in the journal');
    const pid = journal.get('hook')!.pid!;
    expect(groupGone(pid)).toBe(false);
    runner.handle({ type: 'cancel', id: 'hook' });
    const result = await resultOf('hook');
    expect(result.result).toMatchObject({ cancelled: true, timedOut: false, interrupted: false, exitCode: null });
    await waitFor(() => groupGone(pid), 5000, 'no process left in the group');
  });

  it('kills the tree when the timeout passes and reports timedOut', async () => {
    run('slow', 'sleep 30 & sleep 30; wait', { timeoutMs: 300 });
    const result = await resultOf('slow');
    expect(result.result).toMatchObject({ timedOut: true, cancelled: false, exitCode: null });
    await waitFor(() => groupGone(journal.get('slow')!.pid!), 5000, 'no process left in the group');
  });

  it('sends an unanswered result on the next welcome, answers a redelivered run from the journal, and never runs it again', async () => {
    const file = join(dir, 'runs.txt');
    run('activate', `echo ran >> '${file}'; echo done`);
    expect((await resultOf('activate')).session).toBe('s-1');

    runner.detach();
    attach('s-2');
    run('activate', `echo ran >> '${file}'; echo done`, { token: 8 });
    const again = results('activate');
    // Sent once on the welcome of s-2 (not answered yet), and again in answer to the redelivery.
    expect(again).toHaveLength(3);
    // The token it ran under; the session it was redelivered on.
    expect(again[1]).toEqual({ ...again[0], session: 's-2' });
    expect(again[2]).toEqual(again[1]);
    expect(await lines(file)).toEqual(['ran']);
  });

  it('fails a command it first sees on a redelivery when it needs input (the input is streamed only once)', async () => {
    const file = join(dir, 'upload.bin');
    run('upload', `cat > '${file}'`, { stdin: true, redelivered: true });
    const result = await resultOf('upload');
    expect(result.result).toMatchObject({ exitCode: null, interrupted: false });
    expect(result.result.stderr).toContain('not sent again');
    expect(existsSync(file)).toBe(false);
  });

  it('does not send a result again once the server answered it, recorded or refused', async () => {
    run('recorded', 'true');
    run('refused', 'true');
    await resultOf('recorded');
    await resultOf('refused');
    runner.handle({ type: 'ack', id: 'recorded', duplicate: false });
    runner.handle({ type: 'refused', id: 'refused', reason: 'too late' });
    expect(logs).toContain('the server refused the result of refused: too late');
    await waitFor(() => journal.unanswered().length === 0, 5000, 'the answers in the journal');
    runner.detach();
    attach('s-2');
    expect(results('recorded')).toHaveLength(1);
    expect(results('refused')).toHaveLength(1);
  });

  it('a run redelivered while it still runs is not started again; its one result goes to the latest session', async () => {
    const file = join(dir, 'runs.txt');
    run('health', `echo ran >> '${file}'; sleep 0.5; echo late`);
    await waitFor(() => journal.get('health')?.pid != null, 5000, 'the start');
    runner.detach(); // output while detached is not streamed …
    attach('s-2');
    run('health', `echo ran >> '${file}'; sleep 0.5; echo late`);
    const result = await resultOf('health');
    expect(result.session).toBe('s-2');
    expect(result.result.stdout).toBe('late\n'); // … but it is in the result
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(results('health')).toHaveLength(1);
    expect(await lines(file)).toEqual(['ran']);
  });

  it('drops output produced while detached and keeps the result for the redelivery', async () => {
    run('config', 'sleep 0.3; echo rendered');
    runner.detach();
    await waitFor(() => journal.get('config')?.result !== undefined, 5000, 'the result in the journal');
    expect(frames.filter((frame) => frame.type !== 'result' && frame.type !== 'output')).toEqual([]);
    expect(framesOf('output', 'config')).toEqual([]);
    expect(results('config')).toEqual([]);
    attach('s-2');
    run('config', 'sleep 0.3; echo rendered');
    expect((await resultOf('config')).result).toMatchObject({ exitCode: 0, stdout: 'rendered\n' });
  });

  it('fails a command still waiting for its input when the session closes, whether it had started or not', async () => {
    const file = join(dir, 'ran.txt');
    run('upload/started', 'cat > /dev/null', { stdin: true });
    runner.handle({ type: 'stdin', id: 'upload/started', data: 'aGVsbG8=' });
    await waitFor(() => journal.get('upload/started')?.pid != null, 5000, 'the start');
    const pid = journal.get('upload/started')!.pid!;
    // Closed before its journal entry is even written: it never starts.
    run('upload/early', `echo ran >> '${file}'; cat > /dev/null`, { stdin: true });
    runner.detach();
    for (const id of ['upload/started', 'upload/early']) {
      await waitFor(() => journal.get(id)?.result !== undefined, 5000, `the result of ${id} in the journal`);
      expect(journal.get(id)!.result).toMatchObject({ exitCode: null, interrupted: false });
      expect(journal.get(id)!.result!.stderr).toContain('the connection to the server closed before the standard input was complete');
    }
    await waitFor(() => groupGone(pid), 5000, 'no process left in the group');
    await expect(stat(file)).rejects.toThrow();
    // A redelivery gets the failure, not a second run.
    attach('s-2');
    run('upload/early', `echo ran >> '${file}'`, { stdin: true });
    expect((await resultOf('upload/early')).result.stderr).toContain('standard input was complete');
    await expect(stat(file)).rejects.toThrow();
  });

  it('after a restart, reports a command left running as interrupted, kills its group, and never runs it', async () => {
    const left = sleeper();
    const killed = new Promise<NodeJS.Signals | null>((resolve) => left.once('exit', (_code, signal) => resolve(signal)));
    await journal.start('restart/step', 5);
    await journal.recordPid('restart/step', left.pid);
    expect(journal.get('restart/step')).toMatchObject({ pid: left.pid, pidStartTime: expect.any(String) });
    runner.detach();

    // The agent starts again from the same directory.
    expect(await startAgent()).toEqual(['restart/step']);
    expect(await killed).toBe('SIGKILL');
    const file = join(dir, 'ran.txt');
    run('restart/step', `echo ran >> '${file}'`);
    const expected: CommandResult = { exitCode: null, exitSignal: null, stdout: '', stderr: '', timedOut: false, cancelled: false, interrupted: true };
    expect(await resultOf('restart/step')).toEqual({ type: 'result', id: 'restart/step', token: 5, session: 's-1', result: expected });
    await expect(stat(file)).rejects.toThrow();

    // Persisted: a third start has nothing left to interrupt.
    runner.detach();
    expect(await startAgent()).toEqual([]);
    expect(journal.get('restart/step')?.result).toEqual(expected);
  });

  it('does not kill a pid whose start time differs from the one recorded (the pid was reused)', async () => {
    const other = sleeper();
    const entry = { id: 'old/step', token: 1, startedAt: new Date().toISOString(), pid: other.pid, pidStartTime: '1' };
    await writeFile(entryFile('old/step'), JSON.stringify(entry), { mode: 0o600 });
    runner.detach();
    expect(await startAgent()).toEqual(['old/step']);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(other.exitCode).toBeNull();
    expect(other.signalCode).toBeNull();
    expect(groupGone(other.pid)).toBe(false);
  });

  it('does not run a command whose start cannot be journalled, and says why in the result', async () => {
    await rm(join(dir, 'attempts'), { recursive: true });
    const file = join(dir, 'ran.txt');
    run('nojournal', `echo ran >> '${file}'`);
    const result = await resultOf('nojournal');
    expect(result.result).toMatchObject({ exitCode: null, interrupted: false });
    expect(result.result.stderr).toContain('attempt journal cannot be written');
    await expect(stat(file)).rejects.toThrow();
  });

  it('forgets finished entries after 24 hours', async () => {
    run('old', 'true');
    await resultOf('old');
    runner.detach();
    const later = await AttemptJournal.open(dir, { now: () => new Date(Date.now() + 25 * 3_600_000) });
    expect(later.journal.get('old')).toBeUndefined();
    await waitFor(() => !existsSync(entryFile('old')), 5000, 'the entry file removed');
  });

  it('relays a TCP tunnel both ways, and answers tcp-error for a refused port', async () => {
    const echo = createServer((socket) => socket.pipe(socket));
    servers.push(echo);
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const { port } = echo.address() as AddressInfo;

    runner.handle({ type: 'tcp-open', id: 't1', host: '127.0.0.1', port, timeoutMs: 5000 });
    await waitFor(() => framesOf('tcp-opened', 't1').length === 1, 5000, 'tcp-opened');
    const sent = randomBytes(100 * 1024);
    runner.handle({ type: 'tcp-data', id: 't1', data: sent.subarray(0, 60_000).toString('base64') });
    runner.handle({ type: 'tcp-data', id: 't1', data: sent.subarray(60_000).toString('base64') });
    runner.handle({ type: 'tcp-end', id: 't1' });
    await waitFor(() => framesOf('tcp-end', 't1').length === 1, 5000, 'tcp-end from the agent');
    const received = Buffer.concat(framesOf('tcp-data', 't1').map((frame) => Buffer.from(frame.data, 'base64')));
    expect(received.equals(sent)).toBe(true);
    expect(framesOf('tcp-error', 't1')).toEqual([]);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    runner.handle({ type: 'tcp-open', id: 't2', host: '127.0.0.1', port: freePort, timeoutMs: 5000 });
    await waitFor(() => framesOf('tcp-error', 't2').length === 1, 5000, 'tcp-error');
    expect(framesOf('tcp-error', 't2')[0]!.message).toContain('ECONNREFUSED');
    expect(framesOf('tcp-opened', 't2')).toEqual([]);
  });

  it(`refuses more than ${MAX_TUNNELS} open tunnels and closes them all when the session closes`, async () => {
    const held: Socket[] = [];
    const sink = createServer((socket) => held.push(socket));
    servers.push(sink);
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const { port } = sink.address() as AddressInfo;
    for (let index = 0; index <= MAX_TUNNELS; index++) runner.handle({ type: 'tcp-open', id: `t${index}`, host: '127.0.0.1', port, timeoutMs: 5000 });
    await waitFor(() => frames.filter((frame) => frame.type === 'tcp-opened').length === MAX_TUNNELS, 5000, 'the tunnels opened');
    expect(framesOf('tcp-error', `t${MAX_TUNNELS}`)[0]?.message).toContain('too many open tunnels');

    await waitFor(() => held.length === MAX_TUNNELS, 5000, 'the server to accept them');
    const ended = held.map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    runner.detach();
    await Promise.all(ended);
  });
});
