/**
 * The release layout operations of a TargetSession, implemented once for every transport by
 * running the programs of release-scripts.ts through a TargetShell.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import { constants as osConstants } from 'node:os';
import { formatDuration } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { isSafeName } from '../core/names.js';
import type { ArtifactSource, CommandOptions, CommandResult, ConfigFile, HookRun, OutputSink, TargetSession, TrafficConfigChange } from '../engine/ports.js';
import {
  ACTIVATE_RELEASE,
  APPLY_TRAFFIC_CONFIG,
  CHECK_ARTIFACT,
  DEACTIVATE_RELEASE,
  DELETE_RELEASES,
  EXIT_DIGEST_MISMATCH,
  ENVIRONMENT_FROM_STDIN,
  EXIT_EXTRACT_FAILED,
  EXIT_NOT_UNPACKED,
  EXIT_TRAFFIC_NOT_PUT_BACK,
  EXIT_TRAFFIC_RELOAD_FAILED,
  EXIT_TRAFFIC_TEST_FAILED,
  LIST_RELEASES,
  READ_CURRENT,
  RUN_IN_DIRECTORY,
  TRAFFIC_PHASE_MARKER,
  TRAFFIC_RELOAD_MARKER,
  TRAFFIC_TEST_MARKER,
  UNPACK_RELEASE,
  UPLOAD_ARTIFACT,
  WRITE_CONFIG_FILE,
} from './release-scripts.js';
import { scriptWithArgs, shellCommand, quoteShellArg } from './shell-quote.js';
import { EXIT_STEP_FENCED, fencedScript, STEP_FENCE_MARKER } from './step-fence.js';
import type { ShellRunResult, TargetShell } from './target-shell.js';

/** For the operations the port gives no options to (readCurrentVersion). */
const DEFAULT_TIMEOUT_MS = 30_000;
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;
const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RELEASE_MARKER = '.gantry-release';

function nonce(): string {
  return randomBytes(6).toString('hex');
}

function checkName(kind: 'application' | 'version', value: string): string {
  if (!isSafeName(value)) throw new GantryError('NAME_INVALID', `the ${kind} name ${JSON.stringify(value)} is not allowed`, { where: kind });
  return value;
}

function checkDigest(digest: string): string {
  if (!DIGEST_PATTERN.test(digest)) throw new GantryError('REQUEST_INVALID', `${JSON.stringify(digest)} is not a sha256 digest in hex`, { where: 'digest' });
  return digest;
}

/** Config file paths are checked by the caller; this refuses escapes again, as the last line of defence. */
function checkConfigPath(path: string): string {
  const segments = path.split('/');
  const escapes = path.startsWith('/') || segments.some((segment) => segment === '' || segment === '.' || segment === '..');
  if (escapes || path === RELEASE_MARKER || path.includes('\0')) {
    throw new GantryError('REQUEST_INVALID', `the config file path ${JSON.stringify(path)} must be relative and stay inside the release directory`, { where: path });
  }
  return path;
}

/** A hook's environment as ENVIRONMENT_FROM_STDIN reads it: `NAME=<base64>` lines, then an empty line. */
function environmentInput(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([name, value]) => {
    if (!ENV_NAME_PATTERN.test(name)) throw new GantryError('REQUEST_INVALID', `${JSON.stringify(name)} is not a valid environment variable name`, { where: name });
    return `${name}=${Buffer.from(value, 'utf8').toString('base64')}\n`;
  });
  return `${lines.join('')}\n`;
}

/** The load balancer's file is named by the manifest: it must be a plain absolute path. */
function checkTrafficConfigPath(path: string): string {
  const plain = path.startsWith('/') && path.length > 1 && !path.endsWith('/') && posix.normalize(path) === path && !/[\0\n\r]/.test(path);
  if (!plain) {
    throw new GantryError('REQUEST_INVALID', `the load balancer configuration path ${JSON.stringify(path)} must be a normalised absolute file path without line breaks`, {
      where: 'path',
    });
  }
  return path;
}

/**
 * The output of the command APPLY_TRAFFIC_CONFIG ran after `marker`: its stderr lines up to the
 * program's next phase line, shortened for a message. Falls back to the lines before the first
 * phase line when the marker has scrolled out of the captured tail.
 */
function phaseOutput(stderr: string, marker: string): string {
  const lines = stderr.split('\n');
  const start = lines.lastIndexOf(marker);
  const section = start < 0 ? lines : lines.slice(start + 1);
  const end = section.findIndex((line) => line.startsWith(TRAFFIC_PHASE_MARKER));
  const text = (end < 0 ? section : section.slice(0, end))
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');
  return text.length > 500 ? `${text.slice(0, 499)}…` : text;
}

function lastStderrLine(result: ShellRunResult): string {
  return result.stderr.trim().split('\n').at(-1)?.trim().slice(0, 300) ?? '';
}

function stderrOnly(sink: OutputSink | undefined): OutputSink | undefined {
  return sink && ((stream, text) => (stream === 'stderr' ? sink(stream, text) : undefined));
}

function signalExitCode(signal: string | null): number {
  const number = signal === null ? undefined : osConstants.signals[`SIG${signal}` as NodeJS.Signals];
  return number === undefined ? 255 : 128 + number;
}

export function createTargetSession(shell: TargetShell, root: string): TargetSession {
  const appDir = (app: string): string => posix.join(root, checkName('application', app));
  const releaseDir = (app: string, version: string): string => posix.join(appDir(app), 'releases', checkName('version', version));

  /** Runs a layout program: only its stderr reaches the log; timeout and cancel become errors. */
  async function runStep(what: string, script: string, options: CommandOptions, stdin?: ShellRunOptionsInput, forwardStdout = false): Promise<ShellRunResult> {
    // Every command of a step attempt runs under its fence, so an attempt left running by a dead node is stopped first.
    const fenced = options.attempt ? fencedScript(root, options.attempt, script) : script;
    const result = await shell.run(fenced, {
      stdin,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      attempt: options.attempt,
      onOutput: forwardStdout ? options.onOutput : stderrOnly(options.onOutput),
    });
    if (result.cancelled) throw new GantryError('INTERRUPTED', 'cancelled');
    if (result.exitCode === EXIT_STEP_FENCED && lastStderrLine(result).startsWith(STEP_FENCE_MARKER)) {
      throw new GantryError('STEP_FAILED', `${what} on ${shell.description} was not run: ${lastStderrLine(result).slice(STEP_FENCE_MARKER.length)}`, {
        target: shell.description,
        stderr: result.stderr,
      });
    }
    if (result.timedOut) {
      throw new GantryError('STEP_TIMEOUT', `${what} ran past its timeout of ${formatDuration(options.timeoutMs)} and was killed`, {
        target: shell.description,
        timeoutMs: options.timeoutMs,
      });
    }
    return result;
  }

  function stepFailed(what: string, result: ShellRunResult): GantryError {
    const lastLine = lastStderrLine(result);
    const how = result.exitCode !== null ? `exit code ${result.exitCode}` : `signal ${result.exitSignal ?? 'unknown'}`;
    return new GantryError('STEP_FAILED', `${what} on ${shell.description} failed: ${lastLine === '' ? how : lastLine}`, {
      target: shell.description,
      exitCode: result.exitCode,
      exitSignal: result.exitSignal,
      stderr: result.stderr,
    });
  }

  async function runHookScript(app: string, version: string, hook: HookRun, options: CommandOptions): Promise<ShellRunResult> {
    const script = `cd ${quoteShellArg(releaseDir(app, version))} || exit 1\n${ENVIRONMENT_FROM_STDIN}\nexec ${shellCommand(['sh', '-c', hook.command])}`;
    return runStep('the hook', script, options, environmentInput(hook.env), true);
  }

  function trafficFailed(message: string, path: string, result: ShellRunResult): GantryError {
    return new GantryError('TRAFFIC_SWITCH_FAILED', message, { target: shell.description, path, exitCode: result.exitCode, stderr: result.stderr });
  }

  return {
    async readCurrentVersion(app, options = { timeoutMs: DEFAULT_TIMEOUT_MS }) {
      const result = await runStep('reading the current release', scriptWithArgs(READ_CURRENT, [appDir(app)]), options);
      if (result.exitCode !== 0) throw stepFailed('reading the current release', result);
      const link = result.stdout.trim().replace(/\/+$/, '');
      return link === '' ? null : posix.basename(link);
    },

    async ensureArtifact(app, artifact: ArtifactSource, options) {
      const digest = checkDigest(artifact.digest);
      const dir = posix.join(appDir(app), 'artifacts');
      const file = posix.join(dir, `${digest}.tar.gz`);
      const check = await runStep('checking the artifact', scriptWithArgs(CHECK_ARTIFACT, [dir, file, digest]), options);
      if (check.exitCode !== 0) throw stepFailed('checking the artifact', check);
      if (check.stdout.trim() === 'present') return { uploaded: false };

      const temp = posix.join(dir, `.${digest}.upload-${nonce()}`);
      const upload = await runStep('uploading the artifact', scriptWithArgs(UPLOAD_ARTIFACT, [dir, file, digest, temp]), options, artifact.open());
      if (upload.exitCode === EXIT_DIGEST_MISMATCH) {
        const actual = upload.stdout.trim();
        throw new GantryError('ARTIFACT_DIGEST_MISMATCH', `the artifact uploaded to ${shell.description} ${file} has digest ${actual}, expected ${digest}`, {
          target: shell.description,
          path: file,
          expected: digest,
          actual,
        });
      }
      if (upload.exitCode !== 0) throw stepFailed('uploading the artifact', upload);
      return { uploaded: true };
    },

    async unpackRelease(app, version, digest, options) {
      const releases = posix.join(appDir(app), 'releases');
      const artifactFile = posix.join(appDir(app), 'artifacts', `${checkDigest(digest)}.tar.gz`);
      const partial = `.${checkName('version', version)}.partial-${nonce()}`;
      const what = `unpacking release ${version}`;
      const result = await runStep(what, scriptWithArgs(UNPACK_RELEASE, [releases, version, digest, artifactFile, partial]), options);
      if (result.exitCode === EXIT_NOT_UNPACKED) {
        throw new GantryError('STEP_FAILED', `the artifact ${digest} is not on ${shell.description}; it must be uploaded before release ${version} is unpacked`, {
          target: shell.description,
          path: artifactFile,
        });
      }
      if (result.exitCode === EXIT_EXTRACT_FAILED) throw stepFailed(`extracting the artifact of release ${version}`, result);
      if (result.exitCode !== 0) throw stepFailed(what, result);
    },

    async writeConfigFiles(app, version, files: readonly ConfigFile[], options) {
      const release = releaseDir(app, version);
      for (const file of files) {
        const path = posix.join(release, checkConfigPath(file.path));
        const parent = posix.dirname(path);
        const temp = posix.join(parent, `.gantry-config-${nonce()}`);
        const what = `writing the config file ${file.path}`;
        const result = await runStep(what, scriptWithArgs(WRITE_CONFIG_FILE, [release, path, parent, temp]), options, file.content);
        if (result.exitCode !== 0) throw stepFailed(what, result);
      }
    },

    async runHook(app, version, hook, options) {
      const result = await runHookScript(app, version, hook, options);
      if (result.exitCode === 0) return;
      const details = { target: shell.description, exitCode: result.exitCode, exitSignal: result.exitSignal, stderr: result.stderr };
      if (result.exitCode === null) throw new GantryError('STEP_FAILED', `hook was killed by signal ${result.exitSignal ?? 'unknown'}`, details);
      throw new GantryError('STEP_FAILED', `hook exited with code ${result.exitCode}`, details);
    },

    async runCheck(app, version, hook, options): Promise<CommandResult> {
      const result = await runHookScript(app, version, hook, options);
      return { exitCode: result.exitCode ?? signalExitCode(result.exitSignal) };
    },

    async activate(app, version, options) {
      const dir = appDir(app);
      const temp = posix.join(dir, `.current.tmp-${nonce()}`);
      const what = `activating release ${version}`;
      const result = await runStep(what, scriptWithArgs(ACTIVATE_RELEASE, [dir, checkName('version', version), temp]), options);
      if (result.exitCode === EXIT_NOT_UNPACKED) {
        throw new GantryError('STEP_FAILED', `release ${version} is not unpacked completely on ${shell.description}; refusing to activate it`, {
          target: shell.description,
        });
      }
      if (result.exitCode !== 0) throw stepFailed(what, result);
    },

    async deactivate(app, options) {
      const result = await runStep('removing the current release link', scriptWithArgs(DEACTIVATE_RELEASE, [appDir(app)]), options);
      if (result.exitCode !== 0) throw stepFailed('removing the current release link', result);
    },

    async pruneReleases(app, keep, protect, options) {
      if (!Number.isInteger(keep) || keep < 0) throw new GantryError('REQUEST_INVALID', `keep must be a whole number of releases, not ${keep}`, { where: 'keep' });
      const dir = appDir(app);
      const listing = await runStep('listing releases', scriptWithArgs(LIST_RELEASES, [dir]), options);
      if (listing.exitCode !== 0) throw stepFailed('listing releases', listing);
      const { current, releases, artifacts } = parseReleaseListing(listing.stdout);

      const kept = new Set<string>(protect);
      if (current !== null) kept.add(current);
      for (const release of releases.slice(0, keep)) kept.add(release.version);
      const doomed = releases.filter((release) => !kept.has(release.version)).map((release) => release.version);
      const keptDigests = new Set(releases.filter((release) => kept.has(release.version)).map((release) => release.digest));
      const unusedArtifacts = artifacts.filter((file) => !keptDigests.has(file.replace(/\.tar\.gz$/, '')));

      const deletion = await runStep('deleting old releases', scriptWithArgs(DELETE_RELEASES, [dir, ...doomed, '--', ...unusedArtifacts]), options);
      if (deletion.exitCode !== 0) throw stepFailed('deleting old releases', deletion);
      return deletion.stdout
        .split('\n')
        .filter((line) => line.startsWith('removed '))
        .map((line) => line.slice('removed '.length));
    },

    async applyTrafficConfig(change: TrafficConfigChange, options) {
      const path = checkTrafficConfigPath(change.path);
      const args = [path, nonce(), change.reload, ...(change.test === null ? [] : [change.test])];
      const result = await runStep('switching the load balancer', scriptWithArgs(APPLY_TRAFFIC_CONFIG, args), options, change.content, true);
      const how = `exit code ${result.exitCode ?? 'none'}`;
      switch (result.exitCode) {
        case 0:
          return;
        case EXIT_TRAFFIC_TEST_FAILED:
          throw trafficFailed(
            `the load balancer configuration test failed on ${shell.description}, so ${path} is as it was and nothing was reloaded: ${phaseOutput(result.stderr, TRAFFIC_TEST_MARKER) || how}`,
            path,
            result,
          );
        case EXIT_TRAFFIC_RELOAD_FAILED:
          throw trafficFailed(
            `reloading the load balancer on ${shell.description} failed, so ${path} was put back as it was and the reload run once more: ${phaseOutput(result.stderr, TRAFFIC_RELOAD_MARKER) || how}`,
            path,
            result,
          );
        case EXIT_TRAFFIC_NOT_PUT_BACK:
          // The promise of TRAFFIC_SWITCH_FAILED (the previous configuration keeps serving) does not hold.
          throw stepFailed(`switching the load balancer failed, and putting the previous ${path} back`, result);
        case null:
          throw stepFailed('switching the load balancer', result);
        default:
          throw trafficFailed(
            `writing the load balancer configuration ${path} on ${shell.description} failed, so it is as it was: ${lastStderrLine(result) || how}`,
            path,
            result,
          );
      }
    },

    async runTrafficHook(hook: HookRun, options) {
      const script = scriptWithArgs(RUN_IN_DIRECTORY, [root, hook.command]);
      const result = await runStep('the switch hook', script, options, environmentInput(hook.env), true);
      if (result.exitCode === 0) return;
      const lastLine = lastStderrLine(result);
      const how = result.exitCode === null ? `was killed by signal ${result.exitSignal ?? 'unknown'}` : `exited with code ${result.exitCode}`;
      throw new GantryError('TRAFFIC_SWITCH_FAILED', `the switch hook on ${shell.description} ${how}${lastLine === '' ? '' : `: ${lastLine}`}`, {
        target: shell.description,
        exitCode: result.exitCode,
        exitSignal: result.exitSignal,
        stderr: result.stderr,
      });
    },

    async runCommand(hook: HookRun, options): Promise<CommandResult> {
      const result = await runStep('the command', scriptWithArgs(RUN_IN_DIRECTORY, [root, hook.command]), options, environmentInput(hook.env), true);
      return { exitCode: result.exitCode ?? signalExitCode(result.exitSignal) };
    },

    connectTcp(host: string, port: number, timeoutMs: number): Promise<Duplex> {
      return shell.connectTcp(host, port, timeoutMs);
    },

    close(): Promise<void> {
      return shell.close();
    },
  };
}

type ShellRunOptionsInput = Parameters<TargetShell['run']>[1]['stdin'];

interface ReleaseListing {
  readonly current: string | null;
  /** Complete releases, newest unpack first. */
  readonly releases: readonly { readonly version: string; readonly digest: string }[];
  readonly artifacts: readonly string[];
}

/** Reads LIST_RELEASES output; entries whose names Gantry would never create are left alone. */
function parseReleaseListing(stdout: string): ReleaseListing {
  let current: string | null = null;
  const releases: { version: string; digest: string }[] = [];
  const artifacts: string[] = [];
  for (const line of stdout.split('\n')) {
    const [kind, name, digest] = line.split(' ');
    if (kind === 'current' && name !== undefined) {
      const target = line.slice('current '.length).replace(/\/+$/, '');
      current = posix.basename(target);
    } else if (kind === 'release' && name !== undefined && digest !== undefined && isSafeName(name)) {
      releases.push({ version: name, digest });
    } else if (kind === 'artifact' && name !== undefined && /^[0-9a-f]{64}\.tar\.gz$/.test(name)) {
      artifacts.push(name);
    }
  }
  return { current, releases, artifacts };
}
