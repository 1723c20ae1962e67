import { randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { pino, type Logger } from 'pino';
import { recordPackageReading } from '../app/patch-rollouts.js';
import type { AppDeps } from '../app/app-deps.js';
import { createFirstAdminToken } from '../app/api-tokens.js';
import { createSecretSource, verifyMasterKey } from '../app/secrets.js';
import { createChangeControl } from '../app/change-gate.js';
import { keepChanges } from '../app/change-keeper.js';
import { checkDrift } from '../app/drift.js';
import { deliverDueNotifications } from '../app/notification-delivery.js';
import { scanNotificationSources } from '../app/notification-scan.js';
import { ProgressHub } from '../app/progress-hub.js';
import { applyRetention } from '../app/retention.js';
import { createArtifactStore, createDatabaseArtifactStore, type ArtifactStore } from '../artifacts/artifact-store.js';
import { createReleaseArchives } from '../artifacts/release-archives.js';
import { GANTRY_ACTOR } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { GantryError } from '../core/errors.js';
import { DEFAULT_RETRY_SETTINGS } from '../core/notify/delivery-schedule.js';
import { DEFAULT_ENGINE_SETTINGS, type EngineSettings } from '../engine/engine-deps.js';
import { Engine } from '../engine/engine.js';
import { probeSshTarget } from '../executors/ssh.js';
import { createTargetExecutor } from '../executors/target-executor.js';
import { loadChangeSettings } from '../config/change-settings-file.js';
import { loadMasterKey } from '../config/master-key.js';
import { ensureSelfSignedCertificate } from '../config/self-signed-tls.js';
import { loadServerConfig, type ServeFlags, type ServerConfig } from '../config/server-config.js';
import { agentConnectedHere, agentLeft, agentWhereabouts } from '../app/agent-presence.js';
import { NODE_CREDENTIAL_PURPOSE } from '../protocol/agent.js';
import { AgentCommands } from '../server/agent-commands.js';
import { AgentRelayHost, RemoteAgents } from '../server/agent-relay.js';
import type { AgentRelayContext } from '../server/server-context.js';
import { AgentSessions } from '../server/agent-sessions.js';
import { AuthThrottle } from '../server/auth-throttle.js';
import { buildServer } from '../server/build-server.js';
import { OidcClient } from '../server/oidc.js';
import { createDeploymentStore } from '../store/deployment-store.js';
import { createMetricReader } from '../analysis/metric-readers.js';
import { createChannelSenders } from '../notify/channel-senders.js';
import { createOutboundPolicy } from '../outbound/outbound-policy.js';
import { migrateDatabase, openDatabase } from '../store/database.js';
import { createLocalSignals, createPostgresSignals, type NodeSignals } from '../store/node-signals.js';
import { recordNodeHeartbeat, recordNodeStopped, registerNode } from '../store/nodes.repository.js';
import type { Database } from '../store/schema.js';
import { startPeriodic, type Periodic } from './periodic.js';
import { createIdSource, systemClock } from './system-clock.js';

export interface RunningGantry {
  readonly url: string;
  /** Set only on the first start of an empty store. */
  readonly adminToken: string | null;
  readonly engine: Engine;
  /** The HTTP server (its routes, for tests that check each one's declared access). */
  readonly server: FastifyInstance;
  /** SHA-256 of the TLS certificate, when serving HTTPS. */
  readonly tlsFingerprint: string | null;
  close(): Promise<void>;
}

const VERSION = '0.1.0';

/** The composition root: config → log → store → archives → engine → HTTP server. */
export async function startGantry(config: ServerConfig, options: { logger?: Logger; clock?: Clock; engine?: Partial<EngineSettings> } = {}): Promise<RunningGantry> {
  const logger = options.logger ?? pino({ level: config.logLevel, redact: { paths: ['req.headers.authorization', '*.token', '*.password', '*.privateKey', 'masterKey', '*.masterKey'], censor: '[redacted]' } });
  const clock = options.clock ?? systemClock;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const nodeId = await readOrCreateNodeId(config.dataDir);
  // Read before the store opens: a bad settings file stops the server with nothing to clean up.
  const changeSettings = await loadChangeSettings(config.changeSettingsFile);
  const masterKey = await loadMasterKey({ dataDir: config.dataDir, keyText: config.masterKey, keyFile: config.masterKeyFile });
  if (masterKey.created) logger.info({ masterKeyFile: masterKey.path, keyId: masterKey.keyring.keyId }, 'created a new master key for secrets: back it up (docs/operations.md)');
  if (masterKey.readableByOthers) logger.warn({ masterKeyFile: masterKey.path }, 'the master key file can be read by group or others: chmod 600 it');
  const store = openDatabase(config.databaseUrl ? { postgresUrl: config.databaseUrl } : { sqlitePath: join(config.dataDir, 'gantry.db') });
  try {
    await migrateDatabase(store);
    // Fail closed: a master key that is not the store's stops the start, before anything runs.
    await verifyMasterKey({ db: store.db, keyring: masterKey.keyring, clock });
  } catch (error) {
    await store.close();
    throw error instanceof GantryError ? error : new GantryError('STORE_UNAVAILABLE', 'the database cannot be opened', {}, { cause: error });
  }
  const tlsFiles = config.tlsSelfSigned ? await ensureSelfSignedCertificate(config.dataDir, config.listenHost, clock.now()) : config.tls;
  const tls = tlsFiles ? await loadTls(tlsFiles) : null;
  const archives = createReleaseArchives(artifactStoreFor(config, store.db, clock));
  const progress = new ProgressHub();
  const bootId = randomBytes(4).toString('hex');
  const owner = `${nodeId}/${bootId}`;
  // Wake-ups between nodes: NOTIFY on PostgreSQL, in-process for the embedded store.
  const signals = config.databaseUrl
    ? createPostgresSignals({ postgresUrl: config.databaseUrl, from: owner, onError: (error) => logger.warn({ err: error }, 'signals between nodes interrupted; reconnecting') })
    : createLocalSignals();
  const agentSessions = new AgentSessions();
  const agentCommands = new AgentCommands(agentSessions, {
    offlineMs: config.agentOfflineMs,
    resultGraceMs: 30_000,
    cancelGraceMs: 5_000,
    now: () => clock.now().getTime(),
  });
  let engine: Engine | undefined;
  const appDeps: AppDeps = {
    db: store.db,
    archives,
    probeSsh: probeSshTarget,
    agents: agentSessions,
    clock,
    ids: createIdSource(clock),
    wakeEngine: () => signals.publish({ kind: 'work' }),
    limits: { maxArchiveBytes: config.maxArchiveBytes },
    serverFingerprint: tls?.fingerprint ?? null,
    changeSettings,
    keyring: masterKey.keyring,
    nodeHeartbeatMs: config.heartbeatMs,
    executor: createTargetExecutor(agentCommands),
    // Webhook, Slack, Teams and SMTP destinations go through the same SSRF guard as metric readers.
    notifications: {
      ...createChannelSenders(createOutboundPolicy({ allow: config.outboundAllow, server: { host: config.listenHost, port: config.listenPort } }), () => clock.now()),
      retry: { ...DEFAULT_RETRY_SETTINGS, baseMs: config.notifyRetryBaseMs },
      agentOfflineMs: config.agentOfflineMs,
      windowLeadMs: config.notifyWindowLeadMs,
      owner: `${nodeId}/${bootId}`,
    },
  };
  engine = new Engine(
    {
      store: createDeploymentStore(store.db, store.capabilities),
      executor: createTargetExecutor(agentCommands),
      artifacts: archives,
      metrics: createMetricReader({ outboundAllow: config.outboundAllow, server: { host: config.listenHost, port: config.listenPort } }),
      changeControl: createChangeControl(appDeps),
      secrets: createSecretSource(appDeps),
      inventory: { recordPackages: (target, reading) => recordPackageReading(appDeps, target, reading) },
      clock,
      log: logger.child({ component: 'engine' }),
      settings: { ...DEFAULT_ENGINE_SETTINGS, leaseMs: config.leaseMs, heartbeatMs: config.heartbeatMs, maxConcurrentDeployments: config.maxDeployments, ...options.engine },
      onProgress: (deploymentId) => signals.publish({ kind: 'progress', deploymentId }),
    },
    nodeId,
    bootId,
  );
  const agentRelay = startAgentRelay({ appDeps, agentSessions, agentCommands, signals, owner, credential: masterKey.keyring.credential(NODE_CREDENTIAL_PURPOSE), tlsCert: tls?.cert ?? null, logger });
  signals.subscribe((signal) => {
    if (signal.kind === 'work') engine?.poke();
    else if (signal.kind === 'progress') progress.notify(signal.deploymentId);
    else agentRelay.agentConnected(signal.agent);
  });
  const adminToken = await createFirstAdminToken(appDeps);
  if (adminToken) await writeFile(join(config.dataDir, 'admin.token'), `${adminToken}\n`, { mode: 0o600 });
  const authThrottle = new AuthThrottle({ limit: config.authFailuresPerMinute, windowMs: 60_000, maxAddresses: 10_000, now: () => clock.now().getTime() });
  const oidc = config.oidc ? new OidcClient({ ...config.oidc, clientSecret: await readOidcClientSecret(config.oidc.clientSecretFile) }) : null;
  const server = await buildServer({ app: appDeps, progress, streamPollMs: 1000, agentSessions, agentCommands, agentRelay: agentRelay.context, agentHeartbeatMs: config.agentHeartbeatMs, authThrottle, oidc, webUi: builtWebUi() }, logger, VERSION, tls);
  await engine.start();
  const changesLog = logger.child({ component: 'changes' });
  const changeKeeper = startPeriodic(options.engine?.pollMs ?? DEFAULT_ENGINE_SETTINGS.pollMs, () => keepChanges(appDeps, changesLog), changesLog, 'change keeping failed; will retry');
  const driftSchedule = config.driftIntervalMs === undefined ? null : startDriftSchedule(appDeps, logger.child({ component: 'drift' }), config.driftIntervalMs);
  const notifier = startNotifier(appDeps, logger.child({ component: 'notifications' }), config.notifyIntervalMs);
  const retentionSchedule = config.retentionIntervalMs === undefined ? null : startRetentionSchedule(appDeps, logger.child({ component: 'retention' }), config.retentionIntervalMs);
  const address = await server.listen({ host: config.listenHost, port: config.listenPort });
  const nodeBeat = await startNodeHeartbeat(store.db, { id: nodeId, bootId, url: address, version: VERSION }, clock, config.heartbeatMs, logger);
  logger.info({ address, nodeId, store: config.databaseUrl ? 'postgresql' : 'sqlite', tlsFingerprint: tls?.fingerprint }, 'gantry is serving');
  return {
    url: address,
    server,
    adminToken,
    engine,
    tlsFingerprint: tls?.fingerprint ?? null,
    async close() {
      // Stop the engine first: steps in flight stop where they are and their leases are
      // released, so a restart (or another node) resumes them at once.
      await changeKeeper.stop();
      await driftSchedule?.stop();
      await notifier.stop();
      await retentionSchedule?.stop();
      await engine.stop();
      agentRelay.close();
      await nodeBeat.stop();
      await server.close();
      await signals.close();
      await store.close();
    },
  };
}

/**
 * Agents connected to other nodes: this node reaches them through their node when a step needs
 * one (agent-relay.ts), keeps the database told where its own agents are, and lets the other
 * nodes (and only them) attach to those.
 */
function startAgentRelay(options: {
  appDeps: AppDeps;
  agentSessions: AgentSessions;
  agentCommands: AgentCommands;
  signals: NodeSignals;
  owner: string;
  credential: string;
  tlsCert: string | null;
  logger: Logger;
}): { context: AgentRelayContext; agentConnected(agent: string): void; close(): void } {
  const { appDeps, agentSessions, agentCommands, signals, owner, credential, logger } = options;
  const log = logger.child({ component: 'agent-relay' });
  const host = new AgentRelayHost(agentSessions);
  const remote = new RemoteAgents({
    sessions: agentSessions,
    commands: agentCommands,
    owner,
    credential,
    whereabouts: (agent) => agentWhereabouts(appDeps, agent),
    // Nodes of one installation serve the same certificate: trusted even when it is self-signed.
    ...(options.tlsCert ? { tls: { ca: [...rootCertificates, options.tlsCert] } } : {}),
    now: () => appDeps.clock.now().toISOString(),
    log,
  });
  agentCommands.whenMissing((agent) => remote.reach(agent));
  // The database knows where each agent's own session is; the others reach it there.
  agentSessions.listen({
    opened(agent, session) {
      if (session.relayed) return;
      agentConnectedHere(appDeps, agent, owner, session.sessionId)
        .then(() => signals.publish({ kind: 'agent', agent }))
        .catch((error: unknown) => log.warn({ err: error, agent }, 'could not record where the agent is connected'));
    },
    closed(agent, session) {
      if (!session.relayed) void agentLeft(appDeps, agent, session.sessionId).catch(() => undefined);
    },
  });
  const expected = Buffer.from(credential);
  return {
    context: {
      host,
      isNode: (given) => typeof given === 'string' && given.length === expected.length && timingSafeEqual(Buffer.from(given), expected),
    },
    agentConnected: (agent) => {
      if (agentCommands.isAwaited(agent)) void remote.reach(agent);
    },
    close: () => {
      remote.close();
      host.close();
    },
  };
}

/**
 * Where release archives live: a directory every node sees (GANTRY_ARTIFACT_DIR), else the
 * database when it is PostgreSQL (this node's data dir is its cache), else the data dir.
 */
function artifactStoreFor(config: ServerConfig, db: Kysely<Database>, clock: Clock): ArtifactStore {
  if (config.artifactDir) return createArtifactStore(config.artifactDir);
  const local = join(config.dataDir, 'artifacts');
  return config.databaseUrl ? createDatabaseArtifactStore(db, local, { now: () => clock.now() }) : createArtifactStore(local);
}

/** Registers this node and writes its heartbeat every `everyMs` until stopped (then marks it stopped). */
async function startNodeHeartbeat(db: Kysely<Database>, node: { id: string; bootId: string; url: string; version: string }, clock: Clock, everyMs: number, log: Logger): Promise<{ stop(): Promise<void> }> {
  await registerNode(db, { ...node, at: clock.now().toISOString() });
  let beat: Promise<unknown> | null = null;
  const timer = setInterval(() => {
    beat ??= recordNodeHeartbeat(db, node.id, node.bootId, clock.now().toISOString())
      .catch((error: unknown) => log.warn({ err: error }, 'could not record the node heartbeat; will retry'))
      .finally(() => (beat = null));
  }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await beat;
      await recordNodeStopped(db, node.id, node.bootId, clock.now().toISOString()).catch(() => undefined);
    },
  };
}

/** Scans notification sources and sends what is due every `everyMs` (GANTRY_NOTIFY_INTERVAL), one round at a time. */
function startNotifier(deps: AppDeps, log: Logger, everyMs: number): Periodic {
  const stopping = new AbortController();
  const periodic = startPeriodic(
    everyMs,
    async () => {
      await scanNotificationSources(deps, log);
      await deliverDueNotifications(deps, log, stopping.signal);
    },
    log,
    'notification round failed; will retry',
  );
  return {
    async stop() {
      stopping.abort();
      await periodic.stop();
    },
  };
}

/** Checks every live release for configuration drift every `everyMs` (GANTRY_DRIFT_INTERVAL), one round at a time. */
function startDriftSchedule(deps: AppDeps, log: Logger, everyMs: number): Periodic {
  return startPeriodic(
    everyMs,
    async () => {
      const records = await checkDrift(deps);
      const drifted = records.filter((record) => record.state === 'drifted');
      if (drifted.length > 0) log.warn({ drifted: drifted.map((record) => `${record.app}@${record.target}`), unauthorised: drifted.filter((record) => record.unauthorised).length }, 'configuration drift found');
    },
    log,
    'drift check failed; will retry',
  );
}

/**
 * Applies the retention policy every `everyMs` (GANTRY_RETENTION_INTERVAL). Every node runs it;
 * its deletes are idempotent, so two nodes applying at once do no harm. Each run is audited.
 */
function startRetentionSchedule(deps: AppDeps, log: Logger, everyMs: number): Periodic {
  return startPeriodic(
    everyMs,
    async () => {
      const outcome = await applyRetention(deps, GANTRY_ACTOR.user, { scheduled: true });
      log.info({ prunedReleases: outcome.prunedReleases.length, deletedArchives: outcome.deletedArchives.length, deletedLogLines: outcome.deletedLogLines }, 'retention applied');
    },
    log,
    'retention failed; will retry',
  );
}

/** Reads the PEM files; the fingerprint is what agents pin (`gantry agent --server-fingerprint`). */
async function loadTls(files: { certFile: string; keyFile: string }): Promise<{ cert: string; key: string; fingerprint: string }> {
  const read = async (variable: string, path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new GantryError('REQUEST_INVALID', `cannot read ${variable} ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: variable });
    }
  };
  const cert = await read('GANTRY_TLS_CERT_FILE', files.certFile);
  const key = await read('GANTRY_TLS_KEY_FILE', files.keyFile);
  try {
    return { cert, key, fingerprint: new X509Certificate(cert).fingerprint256 };
  } catch {
    throw new GantryError('REQUEST_INVALID', `GANTRY_TLS_CERT_FILE ${files.certFile} is not a PEM certificate`, { where: 'GANTRY_TLS_CERT_FILE' });
  }
}

async function readOrCreateNodeId(dataDir: string): Promise<string> {
  const path = join(dataDir, 'node.id');
  if (existsSync(path)) return (await readFile(path, 'utf8')).trim();
  const nodeId = `node-${randomBytes(6).toString('hex')}`;
  await writeFile(path, `${nodeId}\n`, { mode: 0o600 });
  return nodeId;
}

/** `gantry serve`: runs until SIGINT/SIGTERM, then drains and exits 0. */
export async function runServe(flags: ServeFlags): Promise<number> {
  const config = loadServerConfig(flags, process.env);
  // The key is in `config` now: nothing started from here on (hooks, analysis commands) inherits it.
  delete process.env.GANTRY_MASTER_KEY;
  const gantry = await startGantry(config);
  if (gantry.adminToken) {
    process.stdout.write(
      `Admin API token (shown once; also saved to ${join(config.dataDir, 'admin.token')}, mode 0600):\n  ${gantry.adminToken}\n` +
        `Use it with: export GANTRY_TOKEN=$(cat ${join(config.dataDir, 'admin.token')})\n`,
    );
  }
  process.stdout.write(`Gantry is serving on ${gantry.url} (data in ${config.dataDir})\n`);
  if (gantry.tlsFingerprint) process.stdout.write(`TLS certificate fingerprint (agents pin it): ${gantry.tlsFingerprint}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await gantry.close();
  return 0;
}

/** The OIDC client secret, from its file (trailing newline trimmed); a missing or empty file stops the start. */
async function readOidcClientSecret(file: string): Promise<string> {
  let secret: string;
  try {
    secret = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new GantryError('REQUEST_INVALID', `GANTRY_OIDC_CLIENT_SECRET_FILE ${file} cannot be read`, { where: 'GANTRY_OIDC_CLIENT_SECRET_FILE' }, { cause: error });
  }
  if (secret === '') throw new GantryError('REQUEST_INVALID', `GANTRY_OIDC_CLIENT_SECRET_FILE ${file} is empty`, { where: 'GANTRY_OIDC_CLIENT_SECRET_FILE' });
  return secret;
}

/** The web UI `npm run build` put in dist/ui (the same place from src/main and dist/main), if it did. */
function builtWebUi(): string | null {
  const dir = fileURLToPath(new URL('../../dist/ui/', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? dir : null;
}
