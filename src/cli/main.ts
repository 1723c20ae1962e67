/**
 * The `gantry` command line. This module only declares the commands (so `--help` is complete);
 * each verb's code is loaded with `import()` when that verb runs, so `gantry serve` and
 * `gantry agent` never load the client or the output code, and `gantry validate` never loads the
 * HTTP client.
 *
 * Option values are taken literally: `--notes -x` sets the notes to "-x", and nothing reads
 * `@file` references.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { ChangeState, ChangeType } from '../core/change/change-machine.js';
import type { CloseCode } from '../core/change/evidence.js';
import type { ControlRequest } from '../core/deployment/control.js';
import type { CommandContext, ServerSettings, Stdin, Writer } from './context.js';
import type { RoleBindingRequest } from '../client/api-client.js';
import type { AuditListFlags } from './commands/audit.js';
import type { CiFlags } from './commands/inventory.js';
import type { PatchPlanOptions as PatchPlanFlags } from './commands/patch.js';
import type { TeamOptions } from './commands/teams.js';
import type { UserAddOptions } from './commands/users.js';
import type { Output } from './output.js';
import { BIND_HELP, collectBinding } from './role-binding-option.js';

export const DEFAULT_URL = 'http://127.0.0.1:7400';
export const DEFAULT_DATA_DIR = './.gantry';
export const DEFAULT_LISTEN = '127.0.0.1:7400';

export interface MainOptions {
  readonly stdout?: Writer;
  readonly stderr?: Writer;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  readonly now?: () => Date;
  /** Standard input (default process.stdin): `gantry secret set` reads the value from it. */
  readonly stdin?: Stdin;
}

interface ServerFlags {
  readonly url?: string;
  readonly token?: string;
}

type Verb = (ctx: CommandContext) => Promise<number>;

/**
 * Runs the CLI with `argv` as in process.argv (node, script, arguments…) and resolves to the exit
 * code. Never throws, never calls process.exit.
 */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const debug = Boolean(env.GANTRY_DEBUG);
  // Commander's own text (help, version, usage errors) is held here and written by output.ts.
  const pending: { text: string; to: 'stdout' | 'stderr' }[] = [];
  let usage: { message: string; command: string } | undefined;
  let exitCode = 0;
  let output: Output | undefined;
  const loadOutput = async (): Promise<Output> => {
    if (!output) output = (await import('./output.js')).createOutput({ stdout: options.stdout, stderr: options.stderr });
    return output;
  };

  const now = options.now ?? (() => new Date());
  /** --token, else GANTRY_TOKEN, else the token `gantry login` stored for this server. */
  const serverSettings = async (flags: ServerFlags): Promise<ServerSettings> => {
    const url = flags.url ?? (env.GANTRY_URL || DEFAULT_URL);
    const token = flags.token ?? (env.GANTRY_TOKEN || undefined);
    if (token !== undefined) return { url, token };
    return { url, token: (await import('./credentials.js')).storedLogin(env, url, now())?.token };
  };

  /** Runs a client verb: loads the output code and the verb, maps any error to an exit code. */
  const run = async (flags: ServerFlags, verb: Verb): Promise<void> => {
    const out = await loadOutput();
    let server: ServerSettings = { url: flags.url ?? (env.GANTRY_URL || DEFAULT_URL), token: undefined };
    try {
      server = await serverSettings(flags);
      exitCode = await verb({ output: out, cwd, env, server, now, stdin: options.stdin ?? process.stdin });
    } catch (error) {
      exitCode = out.error(error, { tokenGiven: server.token !== undefined, debug });
    }
  };

  const program = buildProgram(run, (code) => {
    exitCode = code;
  }, { cwd, env, stdout: options.stdout, stderr: options.stderr, ownProcess: options.env === undefined });
  configureTree(program, {
    writeOut: (text) => pending.push({ text, to: 'stdout' }),
    writeErr: (text) => pending.push({ text, to: 'stderr' }),
    onError: (message, command) => (usage = { message, command }),
  });

  try {
    await program.parseAsync(argv, { from: 'node' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version succeed; anything else (no verb, unknown option, …) is a usage error.
      exitCode = error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    } else {
      // Only `gantry serve` and `gantry agent` get here (client verbs catch their own errors).
      exitCode = (await loadOutput()).error(error, { debug });
    }
  }
  if (pending.length > 0 || usage) {
    const out = await loadOutput();
    for (const { text, to } of pending) out.raw(text, to);
    if (usage) exitCode = out.usageError(usage.message, usage.command);
  }
  return exitCode;
}

interface TreeOutput {
  readonly writeOut: (text: string) => void;
  readonly writeErr: (text: string) => void;
  readonly onError: (message: string, command: string) => void;
}

/** Every command reports through main (no process.exit, no direct writes), naming itself in usage errors. */
function configureTree(command: Command, tree: TreeOutput): void {
  const name = fullName(command);
  command.exitOverride();
  command.configureOutput({
    writeOut: tree.writeOut,
    writeErr: tree.writeErr,
    outputError: (text) => tree.onError(text, name),
  });
  for (const sub of command.commands) configureTree(sub, tree);
}

function fullName(command: Command): string {
  const names: string[] = [];
  for (let current: Command | null = command; current; current = current.parent) names.unshift(current.name());
  return names.join(' ');
}

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const version = (pkg as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 500) throw new InvalidArgumentError('must be a whole number from 1 to 500.');
  return Number(value);
}

/** --url and --token, on every verb that talks to a server; --json on every verb that prints a result. */
const urlOption = () => new Option('--url <url>', `Gantry server URL (default: $GANTRY_URL or ${DEFAULT_URL})`);
const tokenOption = () => new Option('--token <token>', 'API token (default: $GANTRY_TOKEN; prefer the variable, command lines are visible to other users)');
const jsonOption = () => new Option('--json', 'print the result as JSON');

type Run = (flags: ServerFlags, verb: Verb) => Promise<void>;

interface ProgramSettings {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writer | undefined;
  readonly stderr: Writer | undefined;
  /** main() runs as the process itself (not embedded in a test): it may rename the process. */
  readonly ownProcess: boolean;
}

function buildProgram(run: Run, setExitCode: (code: number) => void, settings: ProgramSettings): Command {
  const { cwd, env } = settings;
  const program = new Command('gantry')
    .description('Gantry: self-hosted deployment manager')
    .version(readVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .helpCommand(true)
    // A command's options are read only before its subcommand's name: `gantry agent token create
    // --label k=v` must not hand its --label to `gantry agent` (which has one too). Inherited by
    // every command declared below.
    .enablePositionalOptions();

  program
    .command('serve')
    .description('run the control plane: HTTP API and deployment engine')
    .option('--data <dir>', 'data directory (SQLite database, artifact store)', DEFAULT_DATA_DIR)
    .option('--listen <host:port>', 'address to listen on', DEFAULT_LISTEN)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (chain); with --tls-key')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-self-signed', 'serve HTTPS with a certificate Gantry makes and keeps in the data directory (prints its fingerprint)')
    .action(async (flags: { data: string; listen: string; tlsCert?: string; tlsKey?: string; tlsSelfSigned?: boolean }) => {
      const { runServe } = await import('../main/serve.js');
      setExitCode(await runServe({ dataDir: flags.data, listen: flags.listen, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, tlsSelfSigned: flags.tlsSelfSigned }));
    });

  program
    .command('validate')
    .description('check a manifest locally (no server needed)')
    .option('-f, --file <file>', 'the manifest', 'gantry.yaml')
    .option('--json', 'print the result as JSON')
    .action((flags: { file: string; json?: boolean }) =>
      run({}, async (ctx) => (await import('./commands/validate.js')).validateManifest(ctx, flags)),
    );

  program

    .command('apply')
    .description('create or update an application from its manifest')
    .option('-f, --file <file>', 'the manifest', 'gantry.yaml')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { file: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/applications.js')).applyManifest(ctx, flags)));

  program

    .command('status')
    .description("show an application's environments: live version and latest deployment")
    .argument('<app>', 'application name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/applications.js')).showStatus(ctx, app, flags)));

  // ---------- nodes ----------
  program
    .command('node')
    .description('the gantry serve nodes sharing one PostgreSQL')
    .command('list')
    .description('list nodes: state (up, stopped, unresponsive), URL, last heartbeat and the deployments each runs')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/nodes.js')).listNodes(ctx, flags)));

  // ---------- patch management ----------
  const advisories = program.command('advisories').description('security advisories (OSV records) that patch reports are computed from');
  advisories
    .command('import')
    .description('import OSV advisories from a .json file (one record or an array) or a folder of them; a newer `modified` replaces a stored record')
    .argument('<path>', 'a file or folder')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((path: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/patch.js')).importAdvisoryFiles(ctx, path, flags)));
  advisories
    .command('list')
    .description('list the imported advisories: severity, CVSS score, CVE aliases, packages')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/patch.js')).listAdvisories(ctx, flags)));
  const patch = program.command('patch').description('where targets stand against the advisories');
  patch
    .command('exposure')
    .description('targets × advisories: affected (with or without a fix), fixed, or unknown (no recent facts)')
    .argument('[environment]', 'only targets of this environment')
    .option('--all', 'also the advisories a target is not concerned by')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((environment: string | undefined, flags: ServerFlags & { json?: boolean; all?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/patch.js')).showExposure(ctx, environment, flags)),
    );
  patch
    .command('plan')
    .description('which packages a patch rollout would upgrade where; --start runs it as deployments (strategy, health checks, change control)')
    .argument('<environment>', 'environment to patch')
    .option('--advisory <id>', 'one advisory, by id or alias (a CVE id)')
    .addOption(new Option('--severity <severity>', 'every advisory of this severity or worse').choices(['critical', 'high', 'medium', 'low']))
    .option('--app <app>', "only this application's targets in the environment")
    .option('--start', 'start the rollout: one patch deployment per application')
    .option('--change <id>', 'the change request the rollout implements (protected environments)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((environment: string, flags: ServerFlags & PatchPlanFlags) => run(flags, async (ctx) => (await import('./commands/patch.js')).planPatch(ctx, environment, flags)));
  patch
    .command('status')
    .description('patch compliance per environment and severity (unknown kept apart), and targets past their severity\'s deadline')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/patch.js')).showCompliance(ctx, flags)));

  // ---------- configuration drift ----------
  const drift = program
    .command('drift')
    .description('targets whose live release differs from what Gantry put there: changed, added and removed files, when first seen, unauthorised changes')
    .argument('[environment]', 'only this environment')
    .option('--target <target>', 'only this target')
    .option('--check', 'check the targets now (runs a listing on each) instead of showing the last results')
    .option('--all', 'show the live releases in sync too')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((environment: string | undefined, flags: ServerFlags & { target?: string; check?: boolean; all?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/drift.js')).showDrift(ctx, environment, flags)),
    );
  drift
    .command('remediate')
    .description('redeploy the live release of every drifted application in the environment (or on --target), through change control where it applies')
    .argument('[environment]', 'the environment')
    .option('--target <target>', 'the drifted applications of this target (each redeployed to its whole environment)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((environment: string | undefined, flags: ServerFlags & { target?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/drift.js')).remediateDrift(ctx, environment, flags)),
    );

  // ---------- compliance policies ----------
  const policy = program.command('policy').description('endpoint compliance policies: rules on the facts agents report, with per-target results and history');
  policy
    .command('apply')
    .description('create or replace a policy from a YAML or JSON file (name, description, resolution, targets, rules); it is evaluated at once')
    .requiredOption('-f, --file <file>', 'the policy file')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { file: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/policies.js')).applyPolicyFile(ctx, flags)));
  policy
    .command('check')
    .description('look at the files and services the policies name on the targets (over SSH, the agent, or here), then evaluate')
    .option('--target <name>', 'only this target')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { target?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/policies.js')).checkPolicies(ctx, flags)));
  policy
    .command('list')
    .description('list the policies: target selector, rules, description')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/policies.js')).listPolicies(ctx, flags)));
  policy
    .command('results')
    .description('targets × policies (pass, fail with the reasons, unknown: no recent facts), and compliance per environment')
    .argument('[environment]', 'only targets of this environment')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((environment: string | undefined, flags: ServerFlags & { json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/policies.js')).showPolicyResults(ctx, environment, flags)),
    );
  policy
    .command('history')
    .description('when targets flipped between pass, fail, unknown and not applicable, newest first')
    .argument('<name>', 'the policy')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/policies.js')).showPolicyHistory(ctx, name, flags)));
  policy
    .command('delete')
    .description('delete a policy with its results and history')
    .argument('<name>', 'the policy')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags) => run(flags, async (ctx) => (await import('./commands/policies.js')).deletePolicy(ctx, name)));

  // ---------- notifications ----------
  const notify = program.command('notify').description('notifications: channels (webhook, Slack, Teams, email), subscriptions to events, and the delivery log');
  const notifyChannel = notify.command('channel').description('where notifications go; credentials are read from files or standard input and never shown');
  notifyChannel
    .command('add')
    .description('create or replace a channel')
    .argument('<name>', 'the channel')
    .requiredOption('--type <type>', 'webhook, slack, teams or email')
    .option('--webhook-url <url>', 'webhook: the URL to POST to')
    .option('--secret-file <file>', 'webhook: the HMAC signing secret (at least 16 characters), from this file (- for standard input)')
    .option('--url-file <file>', 'slack, teams: the incoming-webhook URL (a credential), from this file (default: standard input)')
    .option('--smtp-host <host>', 'email: the SMTP server')
    .option('--smtp-port <port>', 'email: its port (default 587)')
    .option('--smtp-secure', 'email: TLS from the first byte (port 465); default STARTTLS when offered')
    .option('--smtp-user <user>', 'email: the SMTP user')
    .option('--password-file <file>', 'email: the SMTP password, from this file (- for standard input)')
    .option('--from <address>', 'email: the sender address')
    .option('--to <address>', 'email: a recipient, repeatable', collect, [])
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & import('./commands/notify.js').ChannelAddOptions) => run(flags, async (ctx) => (await import('./commands/notify.js')).addChannel(ctx, name, flags)));
  notifyChannel
    .command('list')
    .description('list the channels: type, destination, which credentials are set')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).listChannels(ctx, flags)));
  notifyChannel
    .command('remove')
    .description('remove a channel (refused while subscriptions send to it)')
    .argument('<name>', 'the channel')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags) => run(flags, async (ctx) => (await import('./commands/notify.js')).removeChannel(ctx, name)));
  notifyChannel
    .command('test')
    .description('send a test message to the channel now and say how it went')
    .argument('<name>', 'the channel')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).testChannel(ctx, name, flags)));
  notify
    .command('subscribe')
    .description('create or replace a subscription: these events, filtered, to a channel')
    .argument('<name>', 'the subscription')
    .requiredOption('--channel <channel>', 'the channel to send to')
    .requiredOption('--events <events>', 'event types, comma-separated (deployment.succeeded,deployment.failed,…; see docs/cli.md)')
    .option('--app <app>', 'only this application, repeatable', collect, [])
    .option('--env <environment>', 'only this environment, repeatable', collect, [])
    .option('--min-risk <level>', 'only changes and deployments of at least this risk: low, moderate, high, very_high')
    .option('--label <key=value>', 'only events about things with this label, repeatable', collect, [])
    .option('--digest <duration>', 'gather events of one kind (drift per environment, compliance per policy) this long into one message, e.g. 60s')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & import('./commands/notify.js').SubscribeOptions) => run(flags, async (ctx) => (await import('./commands/notify.js')).subscribe(ctx, name, flags)));
  notify
    .command('subscriptions')
    .description('list the subscriptions')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).listSubscriptions(ctx, flags)));
  notify
    .command('unsubscribe')
    .description('remove a subscription')
    .argument('<name>', 'the subscription')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags) => run(flags, async (ctx) => (await import('./commands/notify.js')).unsubscribe(ctx, name)));
  notify
    .command('list')
    .description('recent notifications, newest first: state, event, channel, attempts, last status')
    .option('--failed', 'only those that could not be delivered')
    .option('--channel <channel>', 'only those sent to this channel')
    .option('--subscription <subscription>', 'only those of this subscription')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { failed?: boolean; channel?: string; subscription?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).listNotifications(ctx, flags)));
  notify
    .command('show')
    .description('a notification with its delivery log: each attempt with its time, status code and error')
    .argument('<id>', 'the notification (N-…)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).showNotification(ctx, id, flags)));
  notify
    .command('redeliver')
    .description('send a delivered or failed notification again (a new round of attempts)')
    .argument('<id>', 'the notification (N-…)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/notify.js')).redeliver(ctx, id, flags)));

  // ---------- feedback ----------
  const feedback = program.command('feedback').description('feedback after a deployment: signed links for stakeholders, ratings, summaries per release');
  feedback
    .command('link')
    .description('mint a signed link to a feedback form (rating 1-5 and a comment) for people without an account')
    .argument('<deployment>', 'deployment id')
    .option('--audience <label>', 'who the link is for, shown on the form and recorded as who answered (default: stakeholders)')
    .option('--expires <duration>', 'how long the link works: 30m, 12h, 14d (default 14d, at most 90d)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((deployment: string, flags: ServerFlags & { audience?: string; expires?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/feedback.js')).createFeedbackLink(ctx, deployment, flags)),
    );
  feedback
    .command('give')
    .description('rate a deployment yourself')
    .argument('<deployment>', 'deployment id')
    .requiredOption('--rating <1-5>', 'your rating, 1 (very poor) to 5 (very good)')
    .option('--comment <text>', 'a comment, at most 2,000 characters')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((deployment: string, flags: ServerFlags & { rating: string; comment?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/feedback.js')).giveFeedback(ctx, deployment, flags)),
    );
  feedback
    .command('list')
    .description("a release's feedback: count, average and distribution overall and per environment, then each answer")
    .argument('<app>', 'the application')
    .argument('<version>', 'the release version')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/feedback.js')).listFeedback(ctx, app, version, flags)));

  // ---------- retention ----------
  const retention = program.command('retention').description('what is kept of deployment logs, releases and their archives (live and rollback releases always are)');
  retention
    .command('show')
    .description('the retention policy: the installation’s rules and each application’s overrides')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/retention.js')).showRetentionPolicy(ctx, flags)));
  retention
    .command('set')
    .description('change some retention rules of the installation, or of one application with --app (the rules not given stay)')
    .option('--app <app>', 'override the rules for this application only')
    .option('--inherit', 'with --app: drop the application’s override')
    .option('--keep-releases <n>', 'keep the last N releases that succeeded in each environment')
    .option('--keep-release-days <d>', 'keep releases created or deployed within D days')
    .option('--keep-logs-days <d>', 'keep deployment logs for D days…')
    .option('--keep-log-deployments <n>', '…or of the last N deployments per environment, whichever keeps more')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { app?: string; inherit?: boolean; keepReleases?: string; keepReleaseDays?: string; keepLogsDays?: string; keepLogDeployments?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/retention.js')).setRetentionPolicy(ctx, flags)),
    );
  retention
    .command('preview')
    .description('the dry run: what apply would delete now, and why each release is kept')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/retention.js')).previewRetention(ctx, flags)));
  retention
    .command('apply')
    .description('delete what the preview lists (without --yes: shows it and asks; refuses when not at a terminal)')
    .option('--yes', 'do not ask')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { yes?: boolean; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/retention.js')).applyRetention(ctx, flags)));

  // ---------- incidents and DORA metrics ----------
  const incident = program.command('incident').description('incidents, linked to the deployment that caused them (DORA change failure rate and time to restore read these links)');
  incident
    .command('open')
    .description('open an incident on an application in an environment; without --deployment it is linked to the latest deployment finished before it opened')
    .requiredOption('--app <app>', 'the application')
    .requiredOption('--env <environment>', 'the environment')
    .requiredOption('--title <title>', 'what is wrong, in a line')
    .option('--deployment <id>', 'the deployment that caused it')
    .option('--change <id>', 'the change request (C-12); default: the deployment’s change')
    .addOption(new Option('--priority <priority>', 'how urgent (default P2)').choices(['P1', 'P2', 'P3']))
    .option('--at <time>', 'when it was opened (detected), ISO 8601, if not now')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { app: string; env: string; title: string; deployment?: string; change?: string; priority?: string; at?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/incidents.js')).openIncident(ctx, flags)),
    );
  incident
    .command('resolve')
    .description('mark an incident resolved (service restored)')
    .argument('<id>', 'the incident (I-3)')
    .option('--at <time>', 'when it was resolved, ISO 8601, if not now')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { at?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/incidents.js')).resolveIncident(ctx, id, flags)));
  incident
    .command('list')
    .description('list incidents, newest first')
    .option('--app <app>', 'only this application')
    .option('--env <environment>', 'only this environment')
    .option('--open', 'only those not resolved')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { app?: string; env?: string; open?: boolean; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/incidents.js')).listIncidents(ctx, flags)));
  const metrics = program.command('metrics').description('delivery metrics');
  metrics
    .command('dora')
    .description('deployment frequency, lead time for changes, change failure rate and time to restore, with the deployments behind each')
    .option('--app <app>', 'only this application (default: every application you may read)')
    .addOption(new Option('--tier <tier>', 'environment tier (default production)').choices(['production', 'staging', 'testing', 'development', 'other']))
    .option('--since <when>', 'start of the period: 30d, 12h, 2w back from now, or an ISO 8601 time (default 30d)')
    .option('--until <when>', 'end of the period, as --since (default now)')
    .option('--window <duration>', 'how long after a deployment a linked incident counts as its failure (default 24h)')
    .option('--details', 'list the deployments, commits, failures and restores behind each figure')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { app?: string; tier?: string; since?: string; until?: string; window?: string; details?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/dora.js')).showDora(ctx, flags)),
    );

  // ---------- inventory ----------
  const ci = program.command('ci').description('configuration items: discovered targets, applications and environments, and manual CIs (load balancers, databases, …) with their relationships');
  const ciFieldOptions = (command: Command, classRequired: boolean) => {
    (classRequired ? command.requiredOption('--class <class>', 'load-balancer, database, network-device, saas, server, service, storage or other') : command.option('--class <class>', 'load-balancer, database, network-device, saas, server, service, storage or other'))
      .option('--owner <owner>', 'who is responsible for it')
      .option('--lifecycle <state>', 'ordered, in_use (the default), maintenance or retired; the date each state is entered is kept')
      .option('--serial <serial>', 'serial number')
      .option('--model <model>', 'make and model')
      .option('--location <location>', 'where it is')
      .option('--purchase-date <date>', 'YYYY-MM-DD')
      .option('--warranty-until <date>', 'YYYY-MM-DD')
      .option('--cost-centre <code>', 'the cost centre it is charged to')
      .option('--description <text>', 'what it is for')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption());
    return command;
  };
  ciFieldOptions(ci.command('add').description('record a manual CI').argument('<name>', 'its name (letters, digits, ".", "_", "+", "-")'), true).action(
    (name: string, flags: ServerFlags & CiFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).addCi(ctx, name, flags)),
  );
  ciFieldOptions(ci.command('set').description('change fields of a manual CI (an empty value clears one); the lifecycle moves ordered → in_use ⇄ maintenance → retired').argument('<name>', 'the CI'), false).action(
    (name: string, flags: ServerFlags & CiFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).setCi(ctx, name, flags)),
  );
  ci.command('list')
    .description('list CIs: targets (with their facts), applications, environments and manual CIs')
    .option('--kind <kind>', 'target, app, environment or ci')
    .option('--class <class>', 'manual CIs of this class')
    .option('--lifecycle <state>', 'manual CIs in this lifecycle state')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { kind?: string; class?: string; lifecycle?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).listCis(ctx, flags)));
  ci.command('show')
    .description('show a CI and its relationships')
    .argument('<ci>', 'KIND:NAME (target:web-1, app:shop, environment:production, ci:orders-db) or a manual CI\'s name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((ref: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).showCi(ctx, ref, flags)));
  ci.command('delete')
    .description('delete a manual CI and the relationships recorded with it')
    .argument('<name>', 'the CI')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags) => run(flags, async (ctx) => (await import('./commands/inventory.js')).deleteCi(ctx, name)));
  ci.command('import')
    .description('create or replace manual CIs from a CSV file with a header row (name,class,owner,lifecycle,serial,model,location,purchaseDate,warrantyUntil,costCentre,description); all or nothing')
    .argument('<file>', 'the CSV file')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((file: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).importCiFile(ctx, file, flags)));
  ci.command('export')
    .description('print the manual CIs as CSV (what gantry ci import reads)')
    .option('-o, --output <file>', 'write to this file instead')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { output?: string }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).exportCis(ctx, flags)));
  ci.command('relate')
    .description('record (or with --remove, remove) a relationship: FROM runs-on|depends-on|connects-to|part-of TO')
    .argument('<from>', 'KIND:NAME')
    .argument('<type>', 'runs-on, depends-on, connects-to or part-of')
    .argument('<to>', 'KIND:NAME')
    .option('--remove', 'remove the recorded relationship')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((from: string, type: string, to: string, flags: ServerFlags & { remove?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/inventory.js')).relateCis(ctx, from, type, to, flags)),
    );
  program
    .command('impact')
    .description('if a CI changes or fails, what is affected (applications, environments, targets, other CIs, with the path) and which open or scheduled changes touch it')
    .argument('<ci>', 'KIND:NAME, e.g. target:db-1 or ci:orders-db')
    .option('--depth <n>', 'how many relationships to follow (1-10, default 3)', (value: string) => {
      if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 10) throw new InvalidArgumentError('must be a whole number from 1 to 10.');
      return Number(value);
    })
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((ref: string, flags: ServerFlags & { depth?: number; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/inventory.js')).showImpact(ctx, ref, flags)));

  // ---------- targets ----------
  const target = program.command('target').description('register and inspect the machines Gantry deploys to');
  target
    .command('add')
    .description('register a target: a local directory or a machine reached over SSH')
    .argument('<name>', 'target name')
    .option('--local <dir>', 'a directory on the server machine (resolved to an absolute path here)')
    .option('--ssh <user@host[:port]>', 'an SSH target; IPv6 as user@[::1]:2222')
    .option('--key <file>', 'private key file for --ssh (resolved to an absolute path here)')
    .option('--known-hosts <file>', 'known_hosts file to check the host key against (--ssh)')
    .option('--root <dir>', 'absolute directory on the target for releases (--ssh; default /srv/gantry)')
    .option('--label <key=value>', 'a label, repeatable', collect, [])
    .addHelpText('after', '\nThe server reads --local, --key and --known-hosts: they are made absolute here and must be valid on the server machine.')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { local?: string; ssh?: string; key?: string; knownHosts?: string; root?: string; label: string[]; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/targets.js')).addTarget(ctx, name, flags)),
    );
  target
    .command('list')
    .description('list registered targets')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/targets.js')).listTargets(ctx, flags)));
  target
    .command('show')
    .description('show one target')
    .argument('<name>', 'target name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/targets.js')).showTarget(ctx, name, flags)));
  target
    .command('probe')
    .description('ask the machine what it is (OS, disks, installed packages, reboot pending) and record it as its facts')
    .argument('<name>', 'target name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/targets.js')).probeTarget(ctx, name, flags)));
  target
    .command('packages')
    .description("set the target's own package commands (sh -c, in its root); none given goes back to the defaults of its package format")
    .argument('<name>', 'target name')
    .option('--list <command>', 'prints NAME<TAB>VERSION[<TAB>SOURCE] lines; GANTRY_PACKAGES names the packages wanted')
    .option('--upgrade <command>', 'upgrades GANTRY_UPGRADES (name=version words)')
    .option('--reboot-check <command>', 'exits 0 when a reboot is needed, 1 when not')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { list?: string; upgrade?: string; rebootCheck?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/targets.js')).setPackageCommands(ctx, name, flags)),
    );
  target
    .command('remove')
    .description('unregister a target (refused while it is part of an active deployment)')
    .argument('<name>', 'target name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/targets.js')).removeTarget(ctx, name, flags)));

  // ---------- maintenance and freeze windows ----------
  const window = program.command('window').description('maintenance windows (when changes may run) and freeze windows (when they may not)');
  window
    .command('add')
    .description('add a window: recurring (--cron, --duration, --tz) or one-off (--start, --end)')
    .argument('<name>', 'window name')
    .addOption(new Option('--kind <kind>', 'maintenance or freeze').choices(['maintenance', 'freeze']).makeOptionMandatory())
    .option('--cron <expr>', 'five cron fields (minute hour day-of-month month day-of-week), read in --tz, e.g. "0 22 * * 6"')
    .option('--duration <dur>', 'how long each opening lasts: 4h, 90m, 2d')
    .option('--tz <zone>', 'IANA time zone the cron expression is read in, e.g. Europe/Berlin')
    .option('--start <iso>', 'one-off: ISO 8601 with an offset, e.g. 2026-12-20T00:00:00+01:00')
    .option('--end <iso>', 'one-off: ISO 8601 with an offset')
    .option('--env <environment>', 'only this environment, repeatable (default: every environment)', collect, [])
    .option('--app <app>', 'only this application, repeatable (default: every application)', collect, [])
    .option('--label <key=value>', 'only targets with this label, repeatable', collect, [])
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { kind: 'maintenance' | 'freeze'; cron?: string; duration?: string; tz?: string; start?: string; end?: string; env: string[]; app: string[]; label: string[]; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/windows.js')).addWindow(ctx, name, flags)),
    );
  window
    .command('list')
    .description('list maintenance and freeze windows')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/windows.js')).listWindows(ctx, flags)));
  window
    .command('remove')
    .description('remove a window')
    .argument('<name>', 'window name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/windows.js')).removeWindow(ctx, name, flags)));
  const calendarCommand = program
    .command('calendar')
    .description('when windows open: every opening in [--from, --to), times in UTC')
    .option('--from <iso>', 'start of the range, ISO 8601 with an offset (default: now)')
    .option('--to <iso>', 'end of the range (default: --from + 30 days; at most 366 days)')
    .option('--env <environment>', 'only windows covering this environment')
    .option('--app <app>', 'only windows covering this application')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { from?: string; to?: string; env?: string; app?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/windows.js')).showCalendar(ctx, flags)),
    );
  calendarCommand
    .command('feed-token')
    .description('create a read-only calendar feed URL for calendar apps to subscribe to (shown once)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/changes.js')).createCalendarFeedToken(ctx, flags)));

  // ---------- change requests and their plans ----------
  const change = program.command('change').description('change requests: plan, assess, approve, schedule and review a deployment');
  const plan = program.command('plan').description('deployment plans (the plan is the change request): create, show as Markdown, edit');
  for (const [parent, noun] of [
    [change, 'change request'],
    [plan, 'change request with its deployment plan'],
  ] as const) {
    parent
      .command('create')
      .description(`draft a ${noun} (state new) for deploying a release to an environment`)
      .argument('<app>', 'application name')
      .argument('<version>', 'release version')
      .requiredOption('--to <env>', 'the environment; repeat it for one change per environment, each with the same plan', collect, [])
      .addOption(new Option('--type <type>', 'standard, normal or emergency (default normal)').choices(['standard', 'normal', 'emergency']))
      .option('--title <text>', 'a title (default: "Deploy APP VERSION to ENV")')
      .option('--from-file <file>', 'the plan, YAML or JSON: goals, window, owners, risks, stakeholders, communications, checklist')
      .option('--start <iso>', 'planned window start, ISO 8601 with an offset (sets plan.window with --end)')
      .option('--end <iso>', 'planned window end, ISO 8601 with an offset')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((app: string, version: string, flags: ServerFlags & { to: string[]; type?: ChangeType; title?: string; fromFile?: string; start?: string; end?: string; json?: boolean }) =>
        run(flags, async (ctx) => (await import('./commands/changes.js')).createChange(ctx, app, version, flags)),
      );
  }
  change
    .command('show')
    .description('show a change: plan, risk with each factor, approvals, checklist, evidence and review')
    .argument('<id>', 'change id, like C-12')
    .option('--history', 'also show its audit trail')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { history?: boolean; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/changes.js')).showChange(ctx, id, flags)));
  plan
    .command('show')
    .description('show a change with its plan; --markdown prints the plan document')
    .argument('<id>', 'change id, like C-12')
    .option('--markdown', 'print the deployment plan as Markdown')
    .option('--history', 'also show its audit trail (not with --markdown)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { markdown?: boolean; history?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).showPlan(ctx, id, flags)),
    );
  change
    .command('list')
    .description('list change requests, newest first')
    .addOption(new Option('--state <state>', 'only changes in this state').choices(['new', 'assess', 'authorize', 'scheduled', 'implement', 'review', 'closed', 'cancelled', 'rejected']))
    .option('--app <app>', 'only this application')
    .option('--env <environment>', 'only this environment')
    .option('--limit <n>', 'how many (1-500, default 50)', positiveInteger)
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { state?: ChangeState; app?: string; env?: string; limit?: number; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).listChanges(ctx, flags)),
    );
  const transitions = [
    ['submit', 'hand a change in: Gantry assesses its risk, checks the calendar and asks for approval', false],
    ['approve', 'approve a change (as the token\'s user, for their groups)', true],
    ['reject', 'reject a change', true],
    ['send-back', 'return a change to its requester for rework (decisions so far stop counting)', true],
    ['cancel', 'withdraw a change before it is implemented', false],
  ] as const;
  for (const [transition, description, comment] of transitions) {
    const verb = change.command(transition).description(description).argument('<id>', 'change id, like C-12');
    if (comment) verb.option('--comment <text>', 'a comment recorded with the decision');
    verb
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((id: string, flags: ServerFlags & { comment?: string; json?: boolean }) =>
        run(flags, async (ctx) => (await import('./commands/changes.js')).moveChange(ctx, transition, id, flags)),
      );
  }
  change
    .command('schedule')
    .description("set a change's planned window (an edit: approvals given before stop counting)")
    .argument('<id>', 'change id, like C-12')
    .requiredOption('--start <iso>', 'window start, ISO 8601 with an offset')
    .requiredOption('--end <iso>', 'window end, ISO 8601 with an offset')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { start: string; end: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).scheduleChange(ctx, id, flags)),
    );
  change
    .command('edit')
    .description('edit a change before it is implemented: plan, title or release (approvals given before stop counting)')
    .argument('<id>', 'change id, like C-12')
    .option('--from-file <file>', 'the whole plan, YAML or JSON, replacing the old one')
    .option('--title <text>', 'a new title')
    .option('--version <version>', 'deploy another release of the same application')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { fromFile?: string; title?: string; version?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).editChange(ctx, id, flags)),
    );
  plan
    .command('edit')
    .description("replace a change's plan (approvals given before stop counting)")
    .argument('<id>', 'change id, like C-12')
    .requiredOption('--from-file <file>', 'the whole plan, YAML or JSON, replacing the old one')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { fromFile: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).editChange(ctx, id, flags)),
    );
  change
    .command('review')
    .description('close an implemented change: confirm or correct the close code its evidence proposes')
    .argument('<id>', 'change id, like C-12')
    .addOption(new Option('--close-code <code>', 'default: the proposed one').choices(['successful', 'successful_with_issues', 'unsuccessful']))
    .option('--notes <text>', 'review notes')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { closeCode?: CloseCode; notes?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/changes.js')).reviewChange(ctx, id, flags)),
    );
  change
    .command('next-slot')
    .description('propose free windows for a change in the next 90 days (no freeze, inside maintenance windows, no other change on its targets)')
    .argument('<id>', 'change id, like C-12')
    .option('--duration <dur>', 'how long the window must be: 90m, 4h (default: its planned window, else 1h)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { duration?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/changes.js')).nextSlots(ctx, id, flags)));
  change
    .command('comms')
    .description("preview the stakeholder notices of a change's communication plan: each one rendered, its recipients, and when it is due")
    .argument('<id>', 'change id, like C-12')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/changes.js')).showCommunications(ctx, id, flags)));
  change
    .command('conflicts')
    .description("what stands in the way of a change's planned window: freezes, no maintenance window, other changes on its targets")
    .argument('<id>', 'change id, like C-12')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/changes.js')).showConflicts(ctx, id, flags)));

  // ---------- API tokens ----------
  const token = program.command('token').description('API tokens: a person or service, their groups, and a role bound to applications and environments');
  token
    .command('create')
    .description('create an API token (printed once; only its hash is kept)')
    .requiredOption('--user <user>', 'who the token speaks for (approvals and the audit trail name them)')
    .option('--group <group>', 'a group the user is in, repeatable (e.g. approvers, cab, emergency)', collect, [])
    .addOption(new Option('--role <role>', 'what it may do (default viewer)').choices(['viewer', 'deployer', 'approver', 'release-manager', 'admin']))
    .option('--app <app>', 'an application it may act on, repeatable (default: every one)', collect, [])
    .option('--env <environment>', 'an environment it may act on, repeatable (default: every one)', collect, [])
    .option('--expires-in <duration>', 'how long it lives, like 30d or 12h (default 90d, at most 366d)')
    .option('--label <text>', 'what the token is for (default: the user)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { user: string; group: string[]; role?: string; app: string[]; env: string[]; expiresIn?: string; label?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/tokens.js')).createToken(ctx, flags)),
    );
  token
    .command('list')
    .description('list tokens (never their secret): who, role, scope, expiry, last use')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/tokens.js')).listTokens(ctx, flags)));
  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'token id, from gantry token list')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/tokens.js')).revokeToken(ctx, id, flags)));

  // ---------- login, logout and users ----------
  program
    .command('login')
    .description('log in with your password: the token is stored in ~/.config/gantry/credentials.json for this server')
    .option('--user <name>', 'who logs in (default: $GANTRY_USER or $USER)')
    .option('--expires-in <duration>', 'how long the token lives, like 12h or 7d (default 12h, at most 30d)')
    .addHelpText('after', '\nThe password is read from the terminal without echo, or as one line of standard input. Commands use the stored token when neither --token nor GANTRY_TOKEN is given.')
    .addOption(jsonOption())
    .addOption(urlOption())
    .action((flags: ServerFlags & { user?: string; expiresIn?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/users.js')).login(ctx, flags)));
  program
    .command('logout')
    .description('revoke the token `gantry login` stored for this server and remove it from this machine')
    .addOption(jsonOption())
    .addOption(urlOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/users.js')).logout(ctx, flags)));

  const user = program.command('user').description('people who log in, and service accounts CI systems act as; their tokens follow their access (admins)');
  user
    .command('add')
    .description('add a person (or with --service a service account) with role bindings on applications and environments')
    .argument('<name>', 'user name')
    .option('--service', 'a service account: no password, no login, never an approver; mint its tokens with gantry token create --user NAME')
    .option('--bind <binding>', BIND_HELP, collectBinding, [])
    .addOption(new Option('--role <role>', 'one role instead of --bind (default: viewer for a person, nothing for a service account)').choices(['viewer', 'deployer', 'approver', 'release-manager', 'admin']))
    .option('--app <app>', 'with --role: an application, repeatable (default: every one)', collect, [])
    .option('--env <environment>', 'with --role: an environment, repeatable (default: every one)', collect, [])
    .option('--group <group>', 'a team or group they are in, repeatable (teams add their bindings; approval policies count groups)', collect, [])
    .option('--display-name <text>', 'their full name')
    .option('--password-stdin', 'read their first password from standard input (one line; prompted for at a terminal); without it they cannot log in yet')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & UserAddOptions) => run(flags, async (ctx) => (await import('./commands/users.js')).addUser(ctx, name, flags)));
  user
    .command('set-access')
    .description("replace a user's own role bindings (their teams' bindings come on top)")
    .argument('<name>', 'user name')
    .option('--bind <binding>', BIND_HELP, collectBinding, [])
    .option('--none', 'no bindings of their own: only their teams give them access')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { bind: RoleBindingRequest[]; none?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/users.js')).setUserAccess(ctx, name, flags)),
    );
  user
    .command('list')
    .description('list users (never their password hashes)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/users.js')).listUsers(ctx, flags)));
  for (const [verb, disabled, description] of [
    ['disable', true, 'disable a user: their tokens are refused from the next request on, and they cannot log in'],
    ['enable', false, 'enable a disabled user again'],
  ] as const) {
    user
      .command(verb)
      .description(description)
      .argument('<name>', 'user name')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/users.js')).setUserDisabled(ctx, name, disabled, flags)));
  }
  user
    .command('set-password')
    .description("set (or reset) a user's password")
    .argument('<name>', 'user name')
    .option('--password-stdin', 'read the password from standard input, one line (the default when stdin is not a terminal; at a terminal it is prompted for without echo)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/users.js')).setUserPassword(ctx, name, flags)));

  // ---------- teams ----------
  const team = program.command('team').description('teams: groups of users with role bindings; identity-provider groups map to them (admins)');
  for (const [verb, description] of [
    ['add', 'add a team with role bindings'],
    ['set', 'change a team: what is given replaces what it had (all --bind at once)'],
  ] as const) {
    team
      .command(verb)
      .description(description)
      .argument('<name>', 'team name (also the group its members have)')
      .option('--bind <binding>', BIND_HELP, collectBinding, [])
      .option('--sso-group <claim>', "an identity provider's group claim that makes a person a member, repeatable", collect, [])
      .option('--display-name <text>', 'what it is called')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((name: string, flags: ServerFlags & TeamOptions) =>
        run(flags, async (ctx) => {
          const commands = await import('./commands/teams.js');
          return verb === 'add' ? commands.addTeam(ctx, name, flags) : commands.setTeam(ctx, name, flags);
        }),
      );
  }
  team
    .command('list')
    .description('list teams, their bindings and members')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/teams.js')).listTeams(ctx, flags)));
  for (const [verb, description] of [
    ['show', 'show a team'],
    ['delete', 'delete a team: its members lose its bindings at once'],
  ] as const) {
    team
      .command(verb)
      .description(description)
      .argument('<name>', 'team name')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((name: string, flags: ServerFlags & { json?: boolean }) =>
        run(flags, async (ctx) => {
          const commands = await import('./commands/teams.js');
          return verb === 'show' ? commands.showTeam(ctx, name, flags) : commands.deleteTeam(ctx, name, flags);
        }),
      );
  }
  for (const [verb, member] of [
    ['add-member', true],
    ['remove-member', false],
  ] as const) {
    team
      .command(verb)
      .description(member ? 'put a user in a team' : 'take a user out of a team')
      .argument('<team>', 'team name')
      .argument('<user>', 'user name')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((teamName: string, userName: string, flags: ServerFlags & { json?: boolean }) =>
        run(flags, async (ctx) => (await import('./commands/teams.js')).setTeamMember(ctx, teamName, userName, member, flags)),
      );
  }

  // ---------- audit log ----------
  const wholeNumber = (min: number, max: number) => (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new InvalidArgumentError(max === Number.MAX_SAFE_INTEGER ? `must be a whole number of at least ${min}.` : `must be a whole number from ${min} to ${max}.`);
    return Number(value);
  };
  const audit = program.command('audit').description('the append-only, hash-chained audit log of every change made through the API');
  audit
    .command('list')
    .description('list audit records, oldest first (--newest-first for the latest)')
    .option('--after <seq>', 'only records after this seq (default 0: from the start)', wholeNumber(0, Number.MAX_SAFE_INTEGER))
    .option('--before <seq>', 'only records before this seq', wholeNumber(1, Number.MAX_SAFE_INTEGER))
    .option('--newest-first', 'the latest records first')
    .option('--actor <user>', 'only what this user (or token) did')
    .option('--action <action>', "only this action, as listed (e.g. 'POST /api/v1/deployments')")
    .option('--from <time>', 'only records at or after this ISO 8601 time (with Z or an offset)')
    .option('--until <time>', 'only records before this ISO 8601 time')
    .option('--limit <n>', 'at most this many records (default 100, at most 1000)', wholeNumber(1, 1000))
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & AuditListFlags) => run(flags, async (ctx) => (await import('./commands/audit.js')).listAudit(ctx, flags)));
  audit
    .command('verify')
    .description('check the hash chain and its head: exits 0 when intact, 1 naming the first broken record')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/audit.js')).verifyAudit(ctx, flags)));
  audit
    .command('export')
    .description('print the whole audit log as NDJSON, one record a line')
    .option('--output <file>', 'write it to this file instead of standard output')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { output?: string }) => run(flags, async (ctx) => (await import('./commands/audit.js')).exportAudit(ctx, flags)));

  // ---------- secrets ----------
  const secret = program
    .command('secret')
    .alias('secrets')
    .description('secrets: encrypted at rest, write-only, passed to hooks and config templates like variables');
  secret
    .command('set')
    .description('set a secret from standard input (piped, or typed hidden at a terminal); never from the command line')
    .argument('<app>', 'application name')
    .argument('<name>', 'variable name (letters, digits, _; not GANTRY_…)')
    .option('--env <environment>', 'only this environment (default: every environment of the app, *)')
    .addHelpText('after', '\nThe value is read from standard input; one trailing newline is dropped, so `printf %s "$V" | gantry secret set …` and `gantry secret set … < file` both work.')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, name: string, flags: ServerFlags & { env?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/secrets.js')).setSecret(ctx, app, name, flags)));
  secret
    .command('list')
    .description("list an application's secrets: names, environments, when and by whom set (never values)")
    .argument('<app>', 'application name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/secrets.js')).listSecrets(ctx, app, flags)));
  secret
    .command('remove')
    .description('remove a secret')
    .argument('<app>', 'application name')
    .argument('<name>', 'secret name')
    .option('--env <environment>', 'the environment it was set for (default: *, every environment)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, name: string, flags: ServerFlags & { env?: string; json?: boolean }) => run(flags, async (ctx) => (await import('./commands/secrets.js')).removeSecret(ctx, app, name, flags)));
  secret
    .command('rotate-master-key')
    .description('offline, with every server stopped: re-wrap every secret under a new master key')
    .option('--data <dir>', 'data directory (SQLite database; master.key unless GANTRY_MASTER_KEY_FILE is set)', DEFAULT_DATA_DIR)
    .requiredOption('--new-key-file <file>', 'the new master key: 32 random bytes in base64 (openssl rand -base64 32)')
    .addHelpText('after', '\nReads the store and the current key as `gantry serve` does (GANTRY_DATABASE_URL, GANTRY_MASTER_KEY_FILE). Afterwards the store opens only with the new key.')
    .action(async (flags: { data: string; newKeyFile: string }) => {
      const { runRotateMasterKey } = await import('../main/rotate-master-key.js');
      setExitCode(await runRotateMasterKey({ dataDir: resolve(cwd, flags.data), newKeyFile: resolve(cwd, flags.newKeyFile) }, env, settings.stdout));
    });

  // ---------- moving and keeping the store (offline) ----------
  program
    .command('migrate')
    .description('offline, with the server stopped: copy an embedded (SQLite) installation into an empty PostgreSQL database')
    .option('--from <sqlite:path>', 'the SQLite database (default: sqlite:<data dir>/gantry.db)')
    .requiredOption('--to <url>', 'the PostgreSQL database (postgres://…); migrated first, must hold no Gantry data')
    .option('--data <dir>', 'data directory of the SQLite installation', DEFAULT_DATA_DIR)
    .option('--artifacts <dir>', 'its release archives (default: artifacts/ next to the database file)')
    .addHelpText('after', '\nEverything is copied in one PostgreSQL transaction: a failure leaves the database empty. Secrets stay encrypted: start the servers with the same master key.')
    .action(async (flags: { from?: string; to: string; data: string; artifacts?: string }) => {
      const { runMigrate } = await import('../main/store-commands.js');
      setExitCode(await runMigrate({ to: flags.to, dataDir: resolve(cwd, flags.data), cwd, ...(flags.from ? { from: flags.from } : {}), ...(flags.artifacts ? { artifactDir: resolve(cwd, flags.artifacts) } : {}) }, settings.stdout));
    });
  program
    .command('backup')
    .description('write the whole store (every table, every release archive) to a file, from one consistent snapshot; safe while serving')
    .requiredOption('--output <file>', 'the backup file to create (gzipped NDJSON, mode 0600; must not exist)')
    .option('--data <dir>', 'data directory (SQLite database and archives)', DEFAULT_DATA_DIR)
    .addHelpText('after', '\nReads the store gantry serve would open (GANTRY_DATABASE_URL, GANTRY_ARTIFACT_DIR). The master key is not in the backup: keep it separately.')
    .action(async (flags: { output: string; data: string }) => {
      const { runBackup } = await import('../main/store-commands.js');
      setExitCode(await runBackup({ dataDir: resolve(cwd, flags.data), output: resolve(cwd, flags.output) }, env, settings.stdout));
    });
  program
    .command('restore')
    .description('offline: restore a backup into an empty store at the same schema version')
    .requiredOption('--input <file>', 'the backup file (from gantry backup)')
    .option('--data <dir>', 'data directory (SQLite database and archives)', DEFAULT_DATA_DIR)
    .addHelpText('after', '\nWrites into the store gantry serve would open (GANTRY_DATABASE_URL, GANTRY_ARTIFACT_DIR), in one transaction. Start gantry serve with the master key the backed-up store used.')
    .action(async (flags: { input: string; data: string }) => {
      const { runRestore } = await import('../main/store-commands.js');
      setExitCode(await runRestore({ dataDir: resolve(cwd, flags.data), input: resolve(cwd, flags.input) }, env, settings.stdout));
    });

  // ---------- agents ----------
  const agent: Command = program
    .command('agent')
    .description('run the Gantry agent on this machine (enrols once, then stays connected); or manage agents')
    .option('--server <url>', "the Gantry server's URL (http:// or https://); for several nodes, their URLs comma-separated (it enrols with the first, and moves on when a connection drops)")
    .option('--enrol <token>', `one-time enrolment token (default: $GANTRY_ENROL_TOKEN; prefer the variable, command lines are visible to other users)`)
    .option('--dir <dir>', "the agent's directory: its key pair and identity (created with mode 0700)")
    .option('--name <name>', 'the target name to enrol as (default: this host name)')
    .option('--label <key=value>', 'a label to enrol with, repeatable (the token\'s labels win)', collect, [])
    .option('--facts-interval <duration>', 'how often to report facts (e.g. 30s, 10m, 1h; default 10m)')
    .option('--server-fingerprint <sha256>', "pin the https server's certificate at enrolment (printed by `gantry agent token create`)")
    .addHelpText('after', '\nThe agent needs no API token: it enrols with the one-time token, then signs every connection with its own key.')
    .action(async (flags: { server?: string; enrol?: string; dir?: string; name?: string; label: string[]; factsInterval?: string; serverFingerprint?: string }) => {
      if (flags.server === undefined) agent.error("error: required option '--server <url>' not specified");
      if (flags.dir === undefined) agent.error("error: required option '--dir <dir>' not specified");
      let factsIntervalMs: number | undefined;
      if (flags.factsInterval !== undefined) {
        const { parseDuration } = await import('../core/duration.js');
        factsIntervalMs = parseDuration(flags.factsInterval);
        if (factsIntervalMs === undefined) agent.error(`error: --facts-interval ${JSON.stringify(flags.factsInterval.slice(0, 50))} must be a duration like 30s, 10m or 1h`);
      }
      const { parseLabels } = await import('./target-args.js');
      const labels = parseLabels(flags.label);
      // A token given with --enrol stays readable in /proc/PID/cmdline by every user; setting the
      // title writes over the process's argv memory and so wipes it.
      if (flags.enrol !== undefined && settings.ownProcess) process.title = 'gantry-agent';
      const { runAgent } = await import('../main/agent.js');
      setExitCode(
        await runAgent({
          server: flags.server,
          enrolToken: flags.enrol,
          dir: resolve(cwd, flags.dir),
          labels,
          name: flags.name,
          factsIntervalMs,
          serverFingerprint: flags.serverFingerprint,
          env: env as Record<string, string | undefined>,
          ...(settings.stderr ? { stderr: settings.stderr } : {}),
        }),
      );
    });
  const agentToken = agent.command('token').description('one-time enrolment tokens for new agents');
  agentToken
    .command('create')
    .description('create a one-time enrolment token (printed once)')
    .option('--label <key=value>', 'a label every agent enrolled with this token gets, repeatable', collect, [])
    .option('--expires <duration>', 'how long the token is valid, 60s to 720h (default 1h)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((flags: ServerFlags & { label: string[]; expires?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/agent.js')).createAgentToken(ctx, flags)),
    );
  agent
    .command('revoke')
    .description('revoke an agent: it is refused from now on and its live session is dropped')
    .argument('<name>', 'the agent target name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((name: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/agent.js')).revokeAgent(ctx, name, flags)));

  // ---------- releases ----------
  const release = program.command('release').description('create and list immutable releases');
  release
    .command('create')
    .description('pack a directory (or the tree of a git ref) and upload it as a new release')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version (letters, digits, ".", "_", "+", "-")')
    .option('--path <dir>', 'the directory to pack (its contents become the release)')
    .option('--git <repo>', 'with --path and --commit: the local git repository the directory was built from; records the commits the release brings')
    .option('--commit <sha>', 'source commit to record (with --git: resolved in that repository)')
    .option('--from-git <repo>', 'instead of --path: pack the tree of --ref in this local git repository, recording its commits')
    .option('--ref <ref>', 'with --from-git: the tag, branch or commit to release')
    .option('--notes <text>', 'release notes to record')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { path?: string; git?: string; fromGit?: string; ref?: string; commit?: string; notes?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/releases.js')).createRelease(ctx, app, version, flags)),
    );
  release
    .command('commits')
    .description('attach the commits a release brought, read from the local git repository (when creating it could not)')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version')
    .requiredOption('--git <repo>', 'the local git repository the release was built from')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { git: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/releases.js')).attachCommits(ctx, app, version, flags)),
    );
  release
    .command('notes')
    .description('the commits a release brings: since the release live in --env, or since the previous release')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version')
    .option('--env <environment>', 'compare with the release live in this environment')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { env?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/releases.js')).showReleaseNotes(ctx, app, version, flags)),
    );
  release
    .command('attest')
    .description('attach evidence to a release: a JUnit XML report, a SARIF log, a review record, a coverage figure or a free-form attestation')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version')
    .requiredOption('--type <type>', 'junit, sarif, review, coverage or attestation')
    .requiredOption('--file <file>', 'the file to attach (at most 5 MiB)')
    .option('--name <name>', 'tells several of one type apart, e.g. unit and integration (default: the type); the same type and name again replaces it')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { type: string; file: string; name?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/release-evidence.js')).attestRelease(ctx, app, version, flags)),
    );
  release
    .command('evidence')
    .description('the evidence a release carries, summarised')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/release-evidence.js')).showReleaseEvidence(ctx, app, version, flags)),
    );
  release
    .command('list')
    .description("list an application's releases")
    .argument('<app>', 'application name')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/releases.js')).listReleases(ctx, app, flags)));

  // ---------- deployments ----------
  program
    .command('deploy')
    .description('deploy a release to an environment')
    .argument('<app>', 'application name')
    .argument('<version>', 'release version')
    .requiredOption('--to <env>', 'the environment')
    .option('--force', 'skip the lifecycle check (the release need not have succeeded in the previous environment)')
    .option('--wait', 'show progress until the deployment ends; exit 0 only if it succeeded')
    .option('--change <id>', 'the change request it implements, like C-12 (in a protected environment: default the scheduled one whose window is open)')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, version: string, flags: ServerFlags & { to: string; force?: boolean; wait?: boolean; change?: string; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/deployments.js')).deploy(ctx, app, version, flags)),
    );
  program
    .command('rollback')
    .description('roll an environment back to its previous successful release')
    .argument('<app>', 'application name')
    .requiredOption('--env <env>', 'the environment')
    .option('--wait', 'show progress until the rollback ends; exit 0 only if it succeeded')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string, flags: ServerFlags & { env: string; wait?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/deployments.js')).rollback(ctx, app, flags)),
    );
  program
    .command('cancel')
    .description('cancel a queued or running deployment')
    .argument('<deployment>', 'deployment id')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/deployments.js')).cancel(ctx, id, flags)));
  const controls: [ControlRequest, string][] = [
    ['promote', 'let a paused deployment go past the gate it waits at (a pause, or an inconclusive analysis)'],
    ['pause', 'pause a deployment before its next batch, or hold a timed pause until promote'],
    ['resume', 'let a paused deployment go on (an analysis it paused at runs again)'],
    ['abort', 'stop a deployment and roll back the targets it switched'],
  ];
  for (const [request, description] of controls) {
    program
      .command(request)
      .description(description)
      .argument('<deployment>', 'deployment id')
      .addOption(jsonOption())
      .addOption(urlOption())
      .addOption(tokenOption())
      .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/deployments.js')).control(ctx, request, id, flags)));
  }
  program
    .command('deployments')
    .description('list recent deployments, newest first')
    .argument('[app]', 'only this application')
    .option('--limit <n>', 'how many (1-500, default 50)', positiveInteger)
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((app: string | undefined, flags: ServerFlags & { json?: boolean; limit?: number }) =>
      run(flags, async (ctx) => (await import('./commands/deployments.js')).listDeployments(ctx, app, flags)),
    );
  const deployment = program.command('deployment').description('inspect one deployment');
  deployment
    .command('show')
    .description('show a deployment and its per-target tasks')
    .argument('<id>', 'deployment id')
    .addOption(jsonOption())
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { json?: boolean }) => run(flags, async (ctx) => (await import('./commands/deployments.js')).showDeployment(ctx, id, flags)));
  program
    .command('logs')
    .description("print a deployment's logs")
    .argument('<id>', 'deployment id')
    .option('-f, --follow', 'keep printing new lines until the deployment ends')
    .option('--json', 'print one JSON object per log line')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action((id: string, flags: ServerFlags & { follow?: boolean; json?: boolean }) =>
      run(flags, async (ctx) => (await import('./commands/deployments.js')).showLogs(ctx, id, flags)),
    );

  return program;
}
