/**
 * The HTTP API's wire shapes, shared by the server (validation, OpenAPI) and the client.
 * Every request body is strict: unknown fields are refused, not ignored.
 */
import { z } from 'zod';
import { CONTROL_REQUESTS } from '../core/deployment/control.js';
import { DEPLOYMENT_STATES } from '../core/deployment/deployment-machine.js';
import { DEPLOY_STEPS, PATCH_STEPS, ROLLBACK_STEPS, TASK_STATES } from '../core/deployment/task-machine.js';
import { DEPLOYMENT_KINDS } from '../core/model.js';
import type { CalendarWindowInput } from '../core/calendar/window.js';
import { changeIdSchema } from '../core/change/change-request.js';
import { labelsSchema, nameSchema } from '../core/names.js';
import { factsSchema } from './agent.js';
import { deploymentTimeSchema } from './deployment-time-api.js';

export const API_PREFIX = '/api/v1';

// ---------- requests ----------

export const applyRequestSchema = z
  .object({
    /** The manifest text, YAML. */
    manifest: z.string().max(1024 * 1024),
    /** The file name to show in errors (file:line:column). */
    file: z.string().max(500).default('gantry.yaml'),
  })
  .strict();
export type ApplyRequest = z.input<typeof applyRequestSchema>;

const absolutePath = z.string().min(1).max(1000).refine((path) => path.startsWith('/') && !path.includes('\0'), 'must be an absolute path');

/**
 * A target's own package commands (`sh -c`, run in its root), each replacing the default of its
 * package format: `list` prints NAME<TAB>VERSION[<TAB>SOURCE] lines (GANTRY_PACKAGES names the
 * packages wanted, or is empty for all), `upgrade` gets GANTRY_UPGRADES (`name=version` words),
 * `rebootCheck` exits 0 when a reboot is needed and 1 when not.
 */
export const packageCommandsSchema = z.strictObject({
  list: z.string().min(1).max(4000).optional(),
  upgrade: z.string().min(1).max(4000).optional(),
  rebootCheck: z.string().min(1).max(4000).optional(),
});
export type PackageCommandsDto = z.infer<typeof packageCommandsSchema>;

export const addTargetRequestSchema = z.union([
  z.object({ name: nameSchema, labels: labelsSchema.default({}), local: z.object({ root: absolutePath }).strict(), packageCommands: packageCommandsSchema.optional() }).strict(),
  z
    .object({
      name: nameSchema,
      labels: labelsSchema.default({}),
      packageCommands: packageCommandsSchema.optional(),
      ssh: z
        .object({
          user: z.string().regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}$/, 'must be a user name'),
          host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/, 'must be a host name or IP address (it may not start with "-")'),
          port: z.number().int().min(1).max(65535).default(22),
          keyPath: absolutePath,
          knownHostsPath: absolutePath.optional(),
          root: absolutePath,
        })
        .strict(),
    })
    .strict(),
]);
export type AddTargetRequest = z.input<typeof addTargetRequestSchema>;

/**
 * A maintenance or freeze window: one-off (`start`, `end`, ISO 8601 with an offset) or recurring
 * (`cron` read in `timeZone`, open for `duration`). `scope` narrows it to environments, apps and
 * target labels; empty means every one. The server validates it with core's
 * calendarWindowSchema; only its type is named here, so that what the agent loads (it shares
 * this module) stays free of the cron parser.
 */
export type AddWindowRequest = CalendarWindowInput;

export const calendarQuerySchema = z
  .object({
    /** Default: now. */
    from: z.iso.datetime({ offset: true }).optional(),
    /** Default: from + 30 days; at most 366 days after from. */
    to: z.iso.datetime({ offset: true }).optional(),
    environment: nameSchema.optional(),
    app: nameSchema.optional(),
  })
  .strict();
export type CalendarQuery = z.input<typeof calendarQuerySchema>;

export const createAgentTokenRequestSchema = z
  .object({
    /** Labels every agent enrolled with this token gets (they win over the agent's own). */
    labels: labelsSchema.default({}),
    expiresInSeconds: z.number().int().min(60).max(30 * 24 * 3600).default(3600),
  })
  .strict();
export type CreateAgentTokenRequest = z.input<typeof createAgentTokenRequestSchema>;

export const agentTokenSchema = z.object({
  /** Shown once; only its hash is stored. Single use. */
  token: z.string(),
  labels: z.record(z.string(), z.string()),
  expiresAt: z.string(),
  /** The server certificate's SHA-256 fingerprint for `gantry agent --server-fingerprint`; null without TLS. */
  serverFingerprint: z.string().nullable(),
});
export type AgentTokenDto = z.infer<typeof agentTokenSchema>;

export const factChangeSchema = z.object({
  at: z.string(),
  /** Each changed fact: a dotted path (`os.version`, `packages.openssl`) with old and new values. */
  changes: z.array(z.object({ path: z.string(), from: z.unknown(), to: z.unknown() })),
});
export type FactChangeDto = z.infer<typeof factChangeSchema>;

export const releaseQuerySchema = z
  .object({
    commit: z.string().max(200).optional(),
    notes: z.string().max(10_000).optional(),
  })
  .strict();

export const deployRequestSchema = z
  .object({
    app: nameSchema,
    version: nameSchema,
    environment: nameSchema,
    force: z.boolean().default(false),
    /** The change request it implements; in a protected environment, the open scheduled one when omitted. */
    change: changeIdSchema.optional(),
  })
  .strict();
export type DeployRequest = z.input<typeof deployRequestSchema>;

export const listDeploymentsQuerySchema = z
  .object({
    app: nameSchema.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

export const afterQuerySchema = z.object({ after: z.coerce.number().int().min(0).default(0) }).strict();

// ---------- responses ----------

export const targetSchema = z.object({
  name: z.string(),
  transport: z.enum(['local', 'ssh', 'agent']),
  /** The root directory for local targets, user@host:port for SSH targets, `agent` for agents. */
  address: z.string(),
  root: z.string(),
  labels: z.record(z.string(), z.string()),
  hostKeySha256: z.string().nullable(),
  /** Agents only: connected to this server now (null for local and SSH targets). */
  online: z.boolean().nullable(),
  /** Agents only: when the agent last sent a heartbeat. */
  lastSeenAt: z.string().nullable(),
  /** Agents only: the agent was revoked and is refused. */
  revoked: z.boolean(),
  /** What the machine last reported about itself (agents), with the time it did. */
  facts: factsSchema.nullable(),
  factsReportedAt: z.string().nullable(),
  /** Its own package commands, when it has any (else the defaults of its package format). */
  packageCommands: packageCommandsSchema.optional(),
  createdAt: z.string(),
});
export type TargetDto = z.infer<typeof targetSchema>;

export const windowSchema = z.object({
  name: z.string(),
  kind: z.enum(['maintenance', 'freeze']),
  /** One-off windows: as given (with its offset); null for recurring windows. */
  start: z.string().nullable(),
  end: z.string().nullable(),
  /** Recurring windows: five cron fields read in timeZone, each opening lasting duration; null for one-off windows. */
  cron: z.string().nullable(),
  duration: z.string().nullable(),
  timeZone: z.string().nullable(),
  scope: z.object({ environments: z.array(z.string()), apps: z.array(z.string()), targetLabels: z.record(z.string(), z.string()) }),
  createdAt: z.string(),
});
export type WindowDto = z.infer<typeof windowSchema>;

export const calendarOccurrenceSchema = z.object({
  window: z.string(),
  kind: z.enum(['maintenance', 'freeze']),
  /** UTC, ISO 8601. */
  start: z.string(),
  end: z.string(),
});
export type CalendarOccurrenceDto = z.infer<typeof calendarOccurrenceSchema>;

export const calendarSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Every opening of every window overlapping [from, to), sorted by start. */
  occurrences: z.array(calendarOccurrenceSchema),
  /** Change requests planned in [from, to) (drafts, cancelled and rejected ones left out), earliest first. */
  changes: z.array(z.object({ id: z.string(), title: z.string(), state: z.string(), app: z.string(), environment: z.string(), start: z.string(), end: z.string() })),
});
export type CalendarDto = z.infer<typeof calendarSchema>;

export const environmentSchema = z.object({
  name: z.string(),
  targets: z.record(z.string(), z.string()),
  protected: z.boolean(),
});

export const applicationSchema = z.object({
  name: z.string(),
  environments: z.array(environmentSchema),
  lifecycle: z.array(z.string()),
  strategy: z.string(),
  manifest: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ApplicationDto = z.infer<typeof applicationSchema>;

export const applyResponseSchema = z.object({ application: applicationSchema, created: z.boolean() });

export const releaseSchema = z.object({
  app: z.string(),
  version: z.string(),
  digest: z.string(),
  sizeBytes: z.number(),
  commit: z.string().nullable(),
  notes: z.string().nullable(),
  createdAt: z.string(),
  /** When retention deleted the archive (the release can no longer be deployed); null while kept. */
  archivePrunedAt: z.string().nullable().optional(),
});
export type ReleaseDto = z.infer<typeof releaseSchema>;

export const deploymentSchema = z.object({
  id: z.string(),
  app: z.string(),
  environment: z.string(),
  version: z.string(),
  kind: z.enum(DEPLOYMENT_KINDS),
  state: z.enum(DEPLOYMENT_STATES),
  reason: z.string().nullable(),
  batches: z.array(z.array(z.string())).nullable(),
  allowedFailures: z.number().nullable(),
  currentBatch: z.number(),
  /** Canary pauses and analyses, each after the batch it follows (0-based); null before planning. */
  gates: z
    .array(
      z.object({
        kind: z.enum(['pause', 'analysis']),
        afterBatch: z.number(),
        /** Pauses: how long, or null to wait for promote. */
        durationMs: z.number().nullable(),
        /** Analyses: the template and its arguments. */
        template: z.string().nullable(),
        args: z.record(z.string(), z.string()).nullable(),
      }),
    )
    .nullable(),
  /** Index of the next gate to pass. */
  nextGate: z.number(),
  /** A timed pause: when the deployment goes on by itself. */
  resumeAt: z.string().nullable(),
  /** A promote, pause, resume or abort the engine has not acted on yet. */
  controlRequest: z.enum(CONTROL_REQUESTS).nullable(),
  forced: z.boolean(),
  /** The change request it implements, if any. */
  changeId: z.string().nullable(),
  /** A patch rollout: how its advisories were chosen, and the packages it upgrades on each target. */
  patch: z
    .object({
      selection: z.string(),
      targets: z.record(
        z.string(),
        z.object({
          format: z.enum(['dpkg', 'rpm']),
          upgrades: z.array(z.object({ name: z.string(), from: z.string(), to: z.string(), advisories: z.array(z.string()) })),
        }),
      ),
    })
    .nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type DeploymentDto = z.infer<typeof deploymentSchema>;

export const controlRequestParamsSchema = z.object({ id: z.string().min(1).max(200), request: z.enum(CONTROL_REQUESTS) });

export const taskSchema = z.object({
  target: z.string(),
  batch: z.number(),
  state: z.enum(TASK_STATES),
  step: z.enum([...new Set([...DEPLOY_STEPS, ...ROLLBACK_STEPS, ...PATCH_STEPS])] as [string, ...string[]]).nullable(),
  stepDone: z.boolean(),
  attempt: z.number(),
  previousVersion: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  updatedAt: z.string(),
});
export type TaskDto = z.infer<typeof taskSchema>;

export const queuedDeploymentSchema = z.object({
  deployment: deploymentSchema,
  /** Ids of the deployments of the same app and environment that run first, oldest first. */
  waitingFor: z.array(z.string()),
});
export type QueuedDeploymentDto = z.infer<typeof queuedDeploymentSchema>;

export const deploymentDetailSchema = z.object({
  deployment: deploymentSchema,
  tasks: z.array(taskSchema),
  waitingFor: z.array(z.string()),
  /** How long it took, per batch, and how long targets were out of rotation (issue 10); absent from older servers. */
  time: deploymentTimeSchema.optional(),
});
export type DeploymentDetailDto = z.infer<typeof deploymentDetailSchema>;

export const statusSchema = z.object({
  app: z.string(),
  environments: z.array(
    z.object({
      environment: z.string(),
      liveVersion: z.string().nullable(),
      liveSince: z.string().nullable(),
      latest: deploymentSchema.nullable(),
    }),
  ),
});
export type StatusDto = z.infer<typeof statusSchema>;

export const eventSchema = z.object({
  seq: z.number(),
  target: z.string().nullable(),
  type: z.string(),
  data: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export type EventDto = z.infer<typeof eventSchema>;

export const logLineSchema = z.object({
  seq: z.number(),
  target: z.string().nullable(),
  step: z.string().nullable(),
  stream: z.enum(['stdout', 'stderr', 'gantry']),
  text: z.string(),
  at: z.string(),
});
export type LogLineDto = z.infer<typeof logLineSchema>;

export const measurementSchema = z.object({
  seq: z.number(),
  /** The canary gate it was taken for (0-based); -1 for the strategy's background analysis. */
  gate: z.number(),
  template: z.string(),
  metric: z.string(),
  phase: z.enum(['successful', 'failed', 'inconclusive', 'error']),
  /** What the provider returned; null for a measurement that had an error. */
  value: z.unknown(),
  message: z.string(),
  at: z.string(),
});
export type MeasurementDto = z.infer<typeof measurementSchema>;

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number(),
  code: z.string(),
  detail: z.string(),
  where: z.string().optional(),
  problems: z.array(z.unknown()).optional(),
  /** CONFLICT: each calendar objection with its cause. */
  conflicts: z.array(z.object({ kind: z.string(), cause: z.string() })).optional(),
});
export type ProblemDto = z.infer<typeof problemSchema>;

/**
 * Server-Sent Events on GET /deployments/:id/stream: `event: progress` carries an EventDto,
 * `event: log` a LogLineDto, `event: end` the final DeploymentDto, after which the stream closes.
 */
/**
 * Events of the progress stream. `denied` (a problem+json body) ends it when the caller's
 * credential stopped covering the deployment while it was open: revoked, expired, its user
 * disabled or their access taken away.
 */
export const SSE_EVENTS = { progress: 'progress', log: 'log', end: 'end', denied: 'denied' } as const;
