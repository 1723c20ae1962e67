/**
 * The local git repository a release is built from, read with the `git` command where the CLI
 * runs (argument arrays, never a shell). Errors name the repository and the ref.
 */
import { spawn } from 'node:child_process';
import { pipeline } from 'node:stream/promises';
import { GantryError } from '../../core/errors.js';
import type { CommitInput } from '../../protocol/release-notes-api.js';
import { LOG_FORMAT, parseGitLog } from './git-log.js';

/** What git may print for one question; far more than 2,000 commits' worth of log. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const HEX = /^[0-9a-f]{7,64}$/i;
const STDERR_BYTES = 64 * 1024;

export interface CommitsBrought {
  /** Newest first, as git lists them. */
  readonly commits: CommitInput[];
  /** More commits than `limit` would have been brought: only the newest `limit` are here. */
  readonly truncated: boolean;
}

export interface GitRepository {
  readonly path: string;
  /** The full id of the commit `ref` names (a sha, tag or branch). */
  resolveCommit(ref: string): Promise<string>;
  /** Which of these commit ids (full or abbreviated) name commits in this repository, as full ids. */
  knownCommits(candidates: readonly string[]): Promise<string[]>;
  /** `git log head --not excluding…`: the commits reachable from head and from none of the others. */
  commitsBroughtBy(head: string, excluding: readonly string[], limit: number): Promise<CommitsBrought>;
  /** Writes the tree of a commit into `dir` (`git archive`), as a checkout of it would hold it. */
  extractTree(commit: string, dir: string): Promise<void>;
}

export function openGitRepository(path: string, option: string): GitRepository {
  const run = (args: readonly string[], input: string | undefined) => runGit(path, option, args, input);
  return {
    path,
    async resolveCommit(ref) {
      if (ref === '' || ref.startsWith('-') || /[\0\n\r]/.test(ref)) {
        throw new GantryError('GIT_REF_NOT_FOUND', `${JSON.stringify(ref)} is not a git ref or commit`, { where: ref });
      }
      const { code, stdout, stderr } = await run(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], undefined);
      // 1 with nothing said: the repository is fine, the ref is not; anything else is about the repository.
      if (code === 1 && stderr.trim() === '') throw new GantryError('GIT_REF_NOT_FOUND', `${ref} names no commit in the git repository ${path} (${option})`, { where: ref });
      if (code !== 0) throw gitFailed('rev-parse', path, option, stderr);
      return stdout.trim();
    },
    async knownCommits(candidates) {
      const ids = [...new Set(candidates.filter((candidate) => HEX.test(candidate)))];
      if (ids.length === 0) return [];
      const { stdout } = await succeeded(['cat-file', '--batch-check=%(objectname) %(objecttype)'], ids.map((id) => `${id}^{commit}`).join('\n') + '\n');
      // One line per id, in order: "<sha> commit", or "<id>^{commit} missing" / "ambiguous".
      return stdout
        .split('\n')
        .map((line) => line.split(' '))
        .filter(([sha, type]) => type === 'commit' && sha !== undefined && /^([0-9a-f]{40}|[0-9a-f]{64})$/.test(sha))
        .map(([sha]) => sha as string);
    },
    async commitsBroughtBy(head, excluding, limit) {
      // Revisions on stdin: any number of excluded commits, no argument-length limit.
      const revisions = [head, ...excluding.map((sha) => `^${sha}`)].join('\n') + '\n';
      const { stdout } = await succeeded(['-c', 'log.showSignature=false', '-c', 'i18n.logOutputEncoding=UTF-8', 'log', '-z', `--format=${LOG_FORMAT}`, `--max-count=${limit + 1}`, '--stdin'], revisions);
      const commits = parseGitLog(stdout);
      return { commits: commits.slice(0, limit), truncated: commits.length > limit };
    },
    async extractTree(commit, dir) {
      const { x } = await import('tar');
      const child = spawn('git', ['-C', path, 'archive', '--format=tar', commit], { stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() });
      const stderr = collect(child.stderr, STDERR_BYTES);
      const exited = exitOf(child, path, option);
      // Awaited below, after the unpacking: handled now so a git that cannot start is not an unhandled rejection meanwhile.
      exited.catch(() => undefined);
      let unpackError: unknown;
      await pipeline(child.stdout, x({ cwd: dir })).catch((error: unknown) => {
        unpackError = error;
        child.kill();
      });
      const code = await exited;
      if (code !== 0) throw gitFailed('archive', path, option, (await stderr).text);
      if (unpackError !== undefined) throw new GantryError('GIT_FAILED', `cannot unpack the tree of ${commit} from ${path} (${option}) into ${dir}`, { where: option }, { cause: unpackError });
    },
  };

  async function succeeded(args: readonly string[], input: string | undefined): Promise<{ stdout: string }> {
    const result = await run(args, input);
    const command = args.find((arg) => !arg.startsWith('-') && !arg.includes('=')) ?? 'git';
    if (result.code !== 0) throw gitFailed(command, path, option, result.stderr);
    return result;
  }
}

interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function runGit(path: string, option: string, args: readonly string[], input: string | undefined): Promise<GitResult> {
  const child = spawn('git', ['-C', path, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: gitEnv() });
  if (input !== undefined && child.stdin) {
    // git may stop reading early (an error); that is reported by its exit code, not as EPIPE.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  }
  const stdout = collect(child.stdout, MAX_OUTPUT_BYTES);
  const stderr = collect(child.stderr, STDERR_BYTES);
  const code = await exitOf(child, path, option);
  const out = await stdout;
  if (out.overflowed) throw new GantryError('GIT_FAILED', `git ${args.join(' ').slice(0, 80)} printed more than ${MAX_OUTPUT_BYTES} bytes about ${path} (${option}); refusing to read on`, { where: option });
  return { code, stdout: out.text, stderr: (await stderr).text };
}

/** No prompts, no pager, messages in English so they read the same in every error. */
function gitEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
}

/** The exit code; a git that cannot be started at all is a clear error. */
function exitOf(child: ReturnType<typeof spawn>, path: string, option: string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.once('error', (cause) => reject(new GantryError('GIT_FAILED', `cannot run git to read ${path} (${option}): is git installed and on PATH?`, { where: option }, { cause })));
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** What a stream printed, up to `maxBytes` (the rest is drained and dropped); never rejects. */
async function collect(stream: NodeJS.ReadableStream | null, maxBytes: number): Promise<{ text: string; overflowed: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let overflowed = false;
  try {
    for await (const chunk of stream ?? []) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      size += buffer.length;
      if (size > maxBytes) overflowed = true;
      else chunks.push(buffer);
    }
  } catch {
    // The process ended; its exit code says what happened.
  }
  return { text: Buffer.concat(chunks).toString('utf8'), overflowed };
}

function gitFailed(command: string, path: string, option: string, stderr: string): GantryError {
  const reason = stderr
    .split('\n')
    .map((line) => line.trim())
    .find((line) => line !== '');
  return new GantryError('GIT_FAILED', `git ${command} in ${path} (${option}) failed${reason ? `: ${reason.replace(/^(fatal|error):\s*/, '')}` : ''}`, { where: option });
}
