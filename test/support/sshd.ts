/**
 * Real OpenSSH servers on loopback ports for integration tests and benchmarks. Everything
 * (host keys, the client key, authorized_keys, known_hosts, configs, roots) is generated at
 * start in a temporary directory and removed by stop(). Needs /usr/sbin/sshd and ssh-keygen;
 * run as root (sshd's privilege separation) — the sessions log in as root.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SSHD = '/usr/sbin/sshd';

export interface SshdHost {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'root';
  /** A directory of its own, to be used as the target's root. */
  readonly root: string;
  /** `SHA256:<base64 without padding>` of the current host key; updated by restartWithNewHostKey. */
  hostKeySha256: string;
}

export interface SshdFixture {
  readonly hosts: readonly SshdHost[];
  /** Private ed25519 key authorised on every host. */
  readonly keyPath: string;
  /** Lists every host's key as `[127.0.0.1]:port`. Not rewritten by restartWithNewHostKey. */
  readonly knownHostsPath: string;
  /** Restarts host i on the same port with a freshly generated host key; returns its fingerprint. */
  restartWithNewHostKey(index: number): Promise<string>;
  stop(): Promise<void>;
}

interface ServerState {
  readonly dir: string;
  readonly config: string;
  process: ChildProcess;
}

async function generateKey(path: string): Promise<string> {
  await rm(path, { force: true });
  await rm(`${path}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gantry-test', '-f', path]);
  return readFile(`${path}.pub`, 'utf8');
}

/** Fingerprint of an OpenSSH public key line, as `ssh-keygen -lf` prints it. */
function fingerprintOf(publicKeyLine: string): string {
  const blob = Buffer.from(publicKeyLine.trim().split(/\s+/)[1] ?? '', 'base64');
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Ports handed out by this process, so that parallel starts never pick the same one. */
const portsInUse = new Set<number>();

async function reservePort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (!portsInUse.has(port)) {
      portsInUse.add(port);
      return port;
    }
  }
}

/**
 * Whether `pid` holds the listening socket of 127.0.0.1:`port` (Linux /proc). Asking the
 * kernel, not connecting: another process may have taken the port before sshd could bind
 * it, and every connection would make sshd start a child.
 */
async function listensOn(pid: number, port: number): Promise<boolean> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const table = await readFile('/proc/net/tcp', 'utf8');
  const row = table.split('\n').map((line) => line.trim().split(/\s+/)).find((fields) => fields[1] === local && fields[3] === '0A');
  const inode = row?.[9];
  if (inode === undefined) return false;
  const fds = await readdir(`/proc/${pid}/fd`).catch(() => []);
  const links = await Promise.all(fds.map((fd) => readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')));
  return links.includes(`socket:[${inode}]`);
}

function sshdConfig(dir: string, port: number, authorizedKeys: string): string {
  return [
    'ListenAddress 127.0.0.1',
    `Port ${port}`,
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'AllowTcpForwarding yes',
    'LogLevel ERROR',
    'MaxStartups 200:30:400',
    'MaxSessions 64',
    'PrintMotd no',
    'UseDNS no',
    // bash skips ~/.bashrc for sshd sessions when SHLVL shows it is nested: the root user's
    // rc file on development machines (pyenv init …) would add a second to every command.
    'SetEnv SHLVL=1',
    '',
  ].join('\n');
}

/** Starts sshd with `config` and waits until it listens on `port`. */
async function launch(config: string, port: number): Promise<ChildProcess> {
  const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`sshd on port ${port} exited at start: ${stderr.trim()}`);
    }
    if (child.pid !== undefined && (await listensOn(child.pid, port))) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  throw new Error(`sshd on port ${port} did not start listening: ${stderr.trim()}`);
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

export async function startSshd(options: { count: number }): Promise<SshdFixture> {
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  const base = await mkdtemp(join(tmpdir(), 'gantry-sshd-'));
  const keyPath = join(base, 'client_ed25519');
  const authorizedKeys = join(base, 'authorized_keys');
  const knownHostsPath = join(base, 'known_hosts');
  await writeFile(authorizedKeys, await generateKey(keyPath));

  const servers: ServerState[] = [];
  const hosts: SshdHost[] = [];
  const startOne = async (index: number): Promise<void> => {
    const dir = join(base, `host-${index}`);
    const root = join(dir, 'root');
    await mkdir(root, { recursive: true });
    const publicKey = await generateKey(join(dir, 'ssh_host_ed25519_key'));
    // A port found free can be taken before sshd binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await reservePort();
      const config = join(dir, 'sshd_config');
      await writeFile(config, sshdConfig(dir, port, authorizedKeys));
      let child: ChildProcess;
      try {
        child = await launch(config, port);
      } catch (error) {
        portsInUse.delete(port);
        if (attempt >= 5) throw error;
        continue;
      }
      servers[index] = { dir, config, process: child };
      hosts[index] = { host: '127.0.0.1', port, user: 'root', root, hostKeySha256: fingerprintOf(publicKey) };
      return;
    }
  };

  // Wait for every start to settle before cleaning up, or a late one would outlive the fixture.
  const started = await Promise.allSettled(Array.from({ length: options.count }, (_, index) => startOne(index)));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(servers.filter(Boolean).map((server) => terminate(server.process)));
    for (const host of hosts.filter(Boolean)) portsInUse.delete(host.port);
    await rm(base, { recursive: true, force: true });
    throw failure.reason;
  }

  const hostPublicKeys = await Promise.all(servers.map((server) => readFile(join(server.dir, 'ssh_host_ed25519_key.pub'), 'utf8')));
  await writeFile(
    knownHostsPath,
    hosts.map((host, index) => `[127.0.0.1]:${host.port} ${(hostPublicKeys[index] ?? '').trim().split(/\s+/).slice(0, 2).join(' ')}\n`).join(''),
  );

  return {
    hosts,
    keyPath,
    knownHostsPath,
    async restartWithNewHostKey(index) {
      const server = servers[index];
      const host = hosts[index];
      if (!server || !host) throw new Error(`no sshd host ${index}`);
      await terminate(server.process);
      const publicKey = await generateKey(join(server.dir, 'ssh_host_ed25519_key'));
      server.process = await launch(server.config, host.port);
      host.hostKeySha256 = fingerprintOf(publicKey);
      return host.hostKeySha256;
    },
    async stop() {
      await Promise.all(servers.map((server) => terminate(server.process)));
      for (const host of hosts) portsInUse.delete(host.port);
      await rm(base, { recursive: true, force: true });
    },
  };
}
