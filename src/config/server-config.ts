import { resolve } from 'node:path';
import { z } from 'zod';
import { durationSchema } from '../core/duration.js';
import { GantryError } from '../core/errors.js';
import { DEFAULT_ENGINE_SETTINGS } from '../engine/engine-deps.js';
import { OutboundAllowInvalid, parseOutboundAllow } from '../outbound/outbound-policy.js';

/**
 * `gantry serve` configuration: defaults < environment < flags, validated once and frozen.
 * GANTRY_DATABASE_URL is a secret (it may hold a password) and is never printed; so is
 * GANTRY_MASTER_KEY (`masterKey`): never log or print this object whole.
 */
const serverConfigSchema = z
  .object({
    /** --data; default ./.gantry. Holds the SQLite file, the archive store, admin.token and node.id. */
    dataDir: z.string().min(1),
    /** --listen HOST:PORT; default 127.0.0.1:7400. */
    listenHost: z.string().min(1),
    listenPort: z.number().int().min(0).max(65535),
    /** GANTRY_DATABASE_URL=postgres://…; when unset, SQLite in the data dir. */
    databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
    /** GANTRY_MAX_ARCHIVE_BYTES; default 2 GiB. */
    maxArchiveBytes: z.number().int().positive(),
    /** GANTRY_LOG_LEVEL; default info. */
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    /** GANTRY_LEASE_MS and GANTRY_HEARTBEAT_MS: how fast another node or a restart takes over. */
    leaseMs: z.number().int().min(1000),
    /** GANTRY_MAX_DEPLOYMENTS: deployments this node runs at once; 0 makes a node that serves requests and runs none. */
    maxDeployments: z.number().int().min(0).max(1000),
    heartbeatMs: z.number().int().min(100),
    /** GANTRY_AGENT_HEARTBEAT_MS: how often agents and the server exchange heartbeats; 3 missed end a session. */
    agentHeartbeatMs: z.number().int().min(100),
    /**
     * GANTRY_AGENT_OFFLINE_MS: an agent silent this long is offline and the steps in flight on it
     * fail; default three heartbeats.
     */
    agentOfflineMs: z.number().int().min(100),
    /** GANTRY_AUTH_FAILURES_PER_MINUTE: failed authentications from one address before it must wait out the minute. */
    authFailuresPerMinute: z.number().int().min(1).max(1_000_000),
    /** GANTRY_CHANGE_SETTINGS: YAML file with risk scoring, approval policies and window rules (docs/operations.md). */
    changeSettingsFile: z.string().min(1).optional(),
    /** GANTRY_TLS_CERT_FILE and GANTRY_TLS_KEY_FILE (PEM): serve HTTPS (and wss:// for agents). */
    /**
     * GANTRY_MASTER_KEY_FILE: the master key that wraps every secret's data key (base64 of 32 bytes).
     * Unset: <data dir>/master.key, created at the first start (docs/operations.md).
     */
    masterKeyFile: z.string().min(1).optional(),
    /**
     * GANTRY_ARTIFACT_DIR: a directory every node sees (shared filesystem) holding the release
     * archives as files. Unset: the database with PostgreSQL (each node caching in
     * <data dir>/artifacts), <data dir>/artifacts with SQLite (docs/operations.md).
     */
    artifactDir: z.string().min(1).optional(),
    /**
     * GANTRY_MASTER_KEY: the master key itself (base64 of 32 bytes), instead of a file; setting
     * both is refused when the key is loaded. A secret: never printed.
     */
    masterKey: z.string().min(1).optional(),
    /**
     * GANTRY_OUTBOUND_ALLOW: CIDRs, addresses, host names and *.domain wildcards, comma-separated —
     * the only destinations analysis providers may call. Unset: the default deny-list
     * (docs/operations.md, "Outbound requests").
     */
    outboundAllow: z
      .string()
      .transform((text, context) => {
        try {
          return parseOutboundAllow(text);
        } catch (error) {
          context.addIssue({ code: 'custom', message: error instanceof OutboundAllowInvalid ? error.message : String(error) });
          return z.NEVER;
        }
      })
      .optional(),
    /**
     * OIDC single sign-on (docs/operations.md): GANTRY_OIDC_ISSUER, GANTRY_OIDC_CLIENT_ID,
     * GANTRY_OIDC_CLIENT_SECRET_FILE, GANTRY_OIDC_REDIRECT_URL (all four, or none),
     * GANTRY_OIDC_GROUPS_CLAIM (default `groups`; the claims map to teams),
     * GANTRY_OIDC_SCOPES (default `openid profile email`).
     */
    oidc: z
      .object({
        issuer: z.url({ message: 'GANTRY_OIDC_ISSUER must be a URL' }),
        clientId: z.string().min(1, 'set GANTRY_OIDC_CLIENT_ID'),
        clientSecretFile: z.string().min(1, 'set GANTRY_OIDC_CLIENT_SECRET_FILE'),
        redirectUrl: z.url({ message: 'GANTRY_OIDC_REDIRECT_URL must be the URL of /api/v1/auth/oidc/callback as the provider sees it' }),
        groupsClaim: z.string().min(1),
        scopes: z.string().min(1),
      })
      .optional(),
    tls: z.object({ certFile: z.string().min(1, 'set both --tls-cert and --tls-key (or GANTRY_TLS_CERT_FILE and GANTRY_TLS_KEY_FILE)'), keyFile: z.string().min(1, 'set both --tls-cert and --tls-key (or GANTRY_TLS_CERT_FILE and GANTRY_TLS_KEY_FILE)') }).optional(),
    /** --tls-self-signed: serve HTTPS with a certificate Gantry makes (and keeps) in the data dir. */
    tlsSelfSigned: z.boolean(),
    /** GANTRY_DRIFT_INTERVAL ("15m", "1h"): check every live release for configuration drift this often; unset: only on demand. */
    driftIntervalMs: durationSchema.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }).optional(),
    /** GANTRY_NOTIFY_INTERVAL: how often notification sources are scanned and due notifications sent; default 2s. */
    notifyIntervalMs: durationSchema.refine((ms) => ms >= 50, { message: 'must be at least 50ms' }),
    /** GANTRY_NOTIFY_RETRY_BASE: the delay after a failed delivery, doubled after each further failure (up to 1h, 8 attempts); default 10s. */
    notifyRetryBaseMs: durationSchema.refine((ms) => ms >= 10, { message: 'must be at least 10ms' }),
    /** GANTRY_NOTIFY_WINDOW_LEAD: how long before a scheduled change's window `change.window-soon` is sent; default 1h. */
    notifyWindowLeadMs: durationSchema.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }),
    /** GANTRY_RETENTION_INTERVAL ("1h", "24h"): apply the retention policy this often; unset: only on demand. */
    retentionIntervalMs: durationSchema.refine((ms) => ms >= 1000, { message: 'must be at least 1s' }).optional(),
  })
  .strict()
  .refine((config) => config.heartbeatMs * 2 <= config.leaseMs, { message: 'the heartbeat must be at most half the lease', path: ['heartbeatMs'] })
  .refine((config) => !(config.tlsSelfSigned && config.tls), { message: '--tls-self-signed makes its own certificate: do not also give one', path: ['tlsSelfSigned'] });

export type ServerConfig = Readonly<z.infer<typeof serverConfigSchema>>;

export interface ServeFlags {
  readonly dataDir?: string;
  readonly listen?: string;
  /** PEM files; they win over GANTRY_TLS_CERT_FILE / GANTRY_TLS_KEY_FILE. */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsSelfSigned?: boolean;
}

export function loadServerConfig(flags: ServeFlags, env: NodeJS.ProcessEnv): ServerConfig {
  const listen = flags.listen ?? '127.0.0.1:7400';
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(listen);
  if (!match) throw new GantryError('REQUEST_INVALID', `--listen ${listen} is not HOST:PORT`, { where: '--listen' });
  const number = (name: string, fallback: number) => (env[name] === undefined ? fallback : Number(env[name]));
  const result = serverConfigSchema.safeParse({
    dataDir: resolve(flags.dataDir ?? '.gantry'),
    listenHost: match[1]!.replace(/^\[|\]$/g, ''),
    listenPort: Number(match[2]),
    databaseUrl: env.GANTRY_DATABASE_URL || undefined,
    maxArchiveBytes: number('GANTRY_MAX_ARCHIVE_BYTES', 2 * 1024 ** 3),
    logLevel: env.GANTRY_LOG_LEVEL ?? 'info',
    leaseMs: number('GANTRY_LEASE_MS', 15_000),
    maxDeployments: number('GANTRY_MAX_DEPLOYMENTS', DEFAULT_ENGINE_SETTINGS.maxConcurrentDeployments),
    heartbeatMs: number('GANTRY_HEARTBEAT_MS', 3_000),
    agentHeartbeatMs: number('GANTRY_AGENT_HEARTBEAT_MS', 10_000),
    agentOfflineMs: number('GANTRY_AGENT_OFFLINE_MS', 3 * number('GANTRY_AGENT_HEARTBEAT_MS', 10_000)),
    authFailuresPerMinute: number('GANTRY_AUTH_FAILURES_PER_MINUTE', 60),
    changeSettingsFile: env.GANTRY_CHANGE_SETTINGS ? resolve(env.GANTRY_CHANGE_SETTINGS) : undefined,
    masterKeyFile: env.GANTRY_MASTER_KEY_FILE ? resolve(env.GANTRY_MASTER_KEY_FILE) : undefined,
    artifactDir: env.GANTRY_ARTIFACT_DIR ? resolve(env.GANTRY_ARTIFACT_DIR) : undefined,
    masterKey: env.GANTRY_MASTER_KEY || undefined,
    outboundAllow: env.GANTRY_OUTBOUND_ALLOW?.trim() ? env.GANTRY_OUTBOUND_ALLOW : undefined,
    oidc: oidcSettings(env),
    tls: tlsFiles(flags, env),
    tlsSelfSigned: flags.tlsSelfSigned ?? false,
    driftIntervalMs: env.GANTRY_DRIFT_INTERVAL || undefined,
    notifyIntervalMs: env.GANTRY_NOTIFY_INTERVAL || '2s',
    notifyRetryBaseMs: env.GANTRY_NOTIFY_RETRY_BASE || '10s',
    notifyWindowLeadMs: env.GANTRY_NOTIFY_WINDOW_LEAD || '1h',
    retentionIntervalMs: env.GANTRY_RETENTION_INTERVAL || undefined,
  });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new GantryError('REQUEST_INVALID', `configuration ${issue.path.join('.')}: ${issue.message}`, { where: issue.path.join('.') });
  }
  return Object.freeze(result.data);
}

function tlsFiles(flags: ServeFlags, env: NodeJS.ProcessEnv): { certFile: string; keyFile: string } | undefined {
  const certFile = flags.tlsCert ?? env.GANTRY_TLS_CERT_FILE ?? '';
  const keyFile = flags.tlsKey ?? env.GANTRY_TLS_KEY_FILE ?? '';
  return certFile || keyFile ? { certFile: certFile && resolve(certFile), keyFile: keyFile && resolve(keyFile) } : undefined;
}

function oidcSettings(env: NodeJS.ProcessEnv): Record<string, string> | undefined {
  const names = ['GANTRY_OIDC_ISSUER', 'GANTRY_OIDC_CLIENT_ID', 'GANTRY_OIDC_CLIENT_SECRET_FILE', 'GANTRY_OIDC_REDIRECT_URL'];
  if (!names.some((name) => env[name])) return undefined;
  return {
    issuer: env.GANTRY_OIDC_ISSUER ?? '',
    clientId: env.GANTRY_OIDC_CLIENT_ID ?? '',
    clientSecretFile: env.GANTRY_OIDC_CLIENT_SECRET_FILE ? resolve(env.GANTRY_OIDC_CLIENT_SECRET_FILE) : '',
    redirectUrl: env.GANTRY_OIDC_REDIRECT_URL ?? '',
    groupsClaim: env.GANTRY_OIDC_GROUPS_CLAIM || 'groups',
    scopes: env.GANTRY_OIDC_SCOPES || 'openid profile email',
  };
}
