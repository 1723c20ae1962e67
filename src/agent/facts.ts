/**
 * What the machine is: host name, OS, kernel, architecture, CPUs, memory, disks, addresses,
 * installed packages, agent version and uptime, shaped by the protocol's factsSchema.
 *
 * Commands run with execFile (argv arrays, no shell), `LC_ALL=C`, a time limit and an output
 * limit; a command that is missing or fails only leaves its part empty. Lists are sorted so
 * that two reports of an unchanged machine are equal (the server keeps a history of changes).
 */
import { execFile } from 'node:child_process';
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { clip, DPKG_QUERY_FORMAT, parseDf, parseOsRelease, parsePackageLines, RPM_QUERY_FORMAT } from '../core/inventory/fact-parsers.js';
import { factsSchema, type Facts } from '../protocol/agent.js';

export interface CollectFactsOptions {
  /** Directories whose file systems are reported even when `df` is not available (e.g. the agent dir). */
  readonly dirs?: readonly string[];
  readonly agentVersion: string;
  /** Time limit for each command (default 30 s). */
  readonly commandTimeoutMs?: number;
}

type Disk = Facts['disks'][number];

const MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
const MAX_DISKS = 200;
const MAX_ADDRESSES = 200;


/** Runs a command; its stdout, or undefined if it is missing, fails or runs too long. */
export function runCommand(file: string, args: readonly string[], timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, windowsHide: true, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' } },
      (error, stdout) => resolve(error ? undefined : stdout),
    );
  });
}

async function collectOs(): Promise<Facts['os']> {
  for (const path of ['/etc/os-release', '/usr/lib/os-release']) {
    try {
      const values = parseOsRelease(await readFile(path, 'utf8'));
      return {
        name: clip(values.NAME ?? values.ID ?? os.type(), 200),
        version: clip(values.VERSION ?? values.VERSION_ID ?? '', 200),
        ...(values.ID ? { id: clip(values.ID, 100) } : {}),
        ...(values.VERSION_ID ? { versionId: clip(values.VERSION_ID, 100) } : {}),
      };
    } catch {
      // try the next one
    }
  }
  return { name: clip(os.type(), 200), version: clip(os.version(), 200) };
}

async function collectDisks(dirs: readonly string[], timeoutMs: number): Promise<Disk[]> {
  const output = await runCommand('df', ['-Pk'], timeoutMs);
  const disks = output === undefined ? [] : parseDf(output);
  if (disks.length > 0) return disks.sort((a, b) => a.mount.localeCompare(b.mount)).slice(0, MAX_DISKS);
  // No df: at least the root file system and the agent's.
  const fallback: Disk[] = [];
  for (const dir of ['/', ...dirs]) {
    try {
      const stats = await statfs(dir);
      if (fallback.some((disk) => disk.sizeBytes === stats.blocks * stats.bsize && disk.freeBytes === stats.bavail * stats.bsize)) continue;
      fallback.push({ mount: clip(dir, 1000), sizeBytes: stats.blocks * stats.bsize, freeBytes: stats.bavail * stats.bsize });
    } catch {
      // not there
    }
  }
  return fallback;
}

export function collectAddresses(interfaces: ReturnType<typeof os.networkInterfaces> = os.networkInterfaces()): string[] {
  const addresses = new Set<string>();
  for (const entries of Object.values(interfaces)) {
    for (const entry of entries ?? []) {
      if (!entry.internal) addresses.add(clip(entry.address, 100));
    }
  }
  return [...addresses].sort().slice(0, MAX_ADDRESSES);
}

/** The installed packages, from dpkg or else rpm (versions with their epoch, as advisories give them). */
async function collectPackages(timeoutMs: number): Promise<{ packages: Facts['packages']; packageFormat?: 'dpkg' | 'rpm' }> {
  const dpkg = await runCommand('dpkg-query', ['-W', '-f', DPKG_QUERY_FORMAT], timeoutMs);
  if (dpkg !== undefined) return { packages: parsePackageLines(dpkg, true), packageFormat: 'dpkg' };
  const rpm = await runCommand('rpm', ['-qa', '--qf', RPM_QUERY_FORMAT], timeoutMs);
  if (rpm !== undefined) return { packages: parsePackageLines(rpm), packageFormat: 'rpm' };
  return { packages: [] };
}

/** Collects the facts of this machine; always valid per factsSchema. */
export async function collectFacts(options: CollectFactsOptions): Promise<Facts> {
  const timeoutMs = options.commandTimeoutMs ?? 30_000;
  const [osInfo, disks, { packages, packageFormat }] = await Promise.all([collectOs(), collectDisks(options.dirs ?? [], timeoutMs), collectPackages(timeoutMs)]);
  const facts: Facts = {
    hostname: clip(os.hostname(), 255),
    os: osInfo,
    kernel: clip(os.release(), 200),
    architecture: clip(os.machine(), 50),
    cpus: Math.min(100_000, os.cpus().length || os.availableParallelism()),
    memoryBytes: os.totalmem(),
    disks,
    addresses: collectAddresses(),
    packages,
    ...(packageFormat ? { packageFormat } : {}),
    agentVersion: clip(options.agentVersion, 50),
    uptimeSeconds: Math.max(0, Math.floor(os.uptime())),
  };
  return factsSchema.parse(facts);
}
