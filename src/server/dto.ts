import type { TargetView } from '../app/targets.js';
import type { Calendar } from '../app/windows.js';
import type { Access } from '../core/access/access.js';
import { isRecurring } from '../core/calendar/window.js';
import type { StoredWindow } from '../app/windows.js';
import { rootOf, type AnalysisMeasurement, type Application, type Deployment, type DeploymentEventRecord, type LogLine, type Release, type Task, type Transport } from '../core/model.js';
import { factsSchema } from '../protocol/agent.js';
import type { DeploymentTimeDto } from '../protocol/deployment-time-api.js';
import type { DeploymentTime } from '../core/deployment/deployment-time.js';
import type { RoleBindingDto } from '../protocol/users-api.js';
import type { ApplicationDto, CalendarDto, WindowDto, DeploymentDto, EventDto, LogLineDto, MeasurementDto, ReleaseDto, TargetDto, TaskDto } from '../protocol/api.js';

function addressOf(transport: Transport): string {
  switch (transport.type) {
    case 'local':
      return transport.root;
    case 'ssh':
      return `${transport.user}@${transport.host}:${transport.port}`;
    case 'agent':
      return 'agent';
  }
}

export function toTargetDto({ target, facts, session }: TargetView): TargetDto {
  const { transport } = target;
  const parsedFacts = facts ? factsSchema.safeParse(facts.facts) : null;
  return {
    name: target.name,
    transport: transport.type,
    address: addressOf(transport),
    root: rootOf(transport),
    labels: { ...target.labels },
    hostKeySha256: transport.type === 'ssh' ? transport.hostKeySha256 : null,
    online: transport.type === 'agent' ? session !== null : null,
    lastSeenAt: session?.lastSeenAt ?? target.lastSeenAt,
    revoked: transport.type === 'agent' && transport.revokedAt !== null,
    facts: parsedFacts?.success ? parsedFacts.data : null,
    factsReportedAt: facts?.reportedAt ?? null,
    ...(target.packageCommands ? { packageCommands: { ...target.packageCommands } } : {}),
    createdAt: target.createdAt,
  };
}

export function toApplicationDto(application: Application): ApplicationDto {
  const { manifest } = application;
  return {
    name: application.name,
    environments: manifest.environments.map((environment) => ({ name: environment.name, targets: { ...environment.targets }, protected: environment.protected })),
    lifecycle: manifest.lifecycle ?? [],
    strategy: manifest.strategy.type,
    manifest: application.manifestSource,
    createdAt: application.createdAt,
    updatedAt: application.updatedAt,
  };
}

export function toReleaseDto(release: Release): ReleaseDto {
  return {
    app: release.app,
    version: release.version,
    digest: release.digest,
    sizeBytes: release.sizeBytes,
    commit: release.commit,
    notes: release.notes,
    createdAt: release.createdAt,
    archivePrunedAt: release.archivePrunedAt ?? null,
  };
}

export function toDeploymentDto(deployment: Deployment): DeploymentDto {
  return {
    id: deployment.id,
    app: deployment.app,
    environment: deployment.environment,
    version: deployment.version,
    kind: deployment.kind,
    state: deployment.state,
    reason: deployment.reason,
    batches: deployment.plan ? deployment.plan.batches.map((batch) => [...batch]) : null,
    allowedFailures: deployment.plan?.allowedFailures ?? null,
    currentBatch: deployment.currentBatch,
    gates: deployment.plan
      ? (deployment.plan.gates ?? []).map((gate) =>
          gate.kind === 'pause'
            ? { kind: gate.kind, afterBatch: gate.afterBatch, durationMs: gate.durationMs, template: null, args: null }
            : { kind: gate.kind, afterBatch: gate.afterBatch, durationMs: null, template: gate.template, args: { ...gate.args } },
        )
      : null,
    nextGate: deployment.nextGate,
    resumeAt: deployment.resumeAt,
    controlRequest: deployment.controlRequest,
    forced: deployment.forced,
    changeId: deployment.changeId,
    patch: deployment.patch
      ? {
          selection: deployment.patch.selection,
          targets: Object.fromEntries(
            Object.entries(deployment.patch.targets).map(([target, order]) => [target, { format: order.format, upgrades: order.upgrades.map((upgrade) => ({ ...upgrade, advisories: [...upgrade.advisories] })) }]),
          ),
        }
      : null,
    createdAt: deployment.createdAt,
    startedAt: deployment.startedAt,
    finishedAt: deployment.finishedAt,
  };
}

export function toTaskDto(task: Task): TaskDto {
  return {
    target: task.target,
    batch: task.batch,
    state: task.state,
    step: task.step,
    stepDone: task.stepDone,
    attempt: task.attempt,
    previousVersion: task.previousVersion,
    error: task.error,
    updatedAt: task.updatedAt,
  };
}

export function toDeploymentTimeDto(time: DeploymentTime): DeploymentTimeDto {
  return {
    ...time,
    batches: time.batches.map((batch) => ({ ...batch })),
    outOfRotation: { ...time.outOfRotation, targets: time.outOfRotation.targets.map((target) => ({ ...target, gaps: target.gaps.map((gap) => ({ ...gap })) })) },
  };
}

export function toEventDto(event: DeploymentEventRecord): EventDto {
  return { seq: event.seq, target: event.target, type: event.type, data: { ...event.data }, at: event.at };
}

export function toLogLineDto(line: LogLine): LogLineDto {
  return { seq: line.seq, target: line.target, step: line.step, stream: line.stream, text: line.text, at: line.at };
}

export function toMeasurementDto(measurement: AnalysisMeasurement): MeasurementDto {
  const { seq, gate, template, metric, phase, value, message, at } = measurement;
  return { seq, gate, template, metric, phase, value, message, at };
}

export function toWindowDto({ window, createdAt }: StoredWindow): WindowDto {
  const recurring = isRecurring(window);
  return {
    name: window.name,
    kind: window.kind,
    start: recurring ? null : window.start,
    end: recurring ? null : window.end,
    cron: recurring ? window.cron : null,
    duration: recurring ? window.duration : null,
    timeZone: recurring ? window.timeZone : null,
    scope: { environments: [...window.scope.environments], apps: [...window.scope.apps], targetLabels: { ...window.scope.targetLabels } },
    createdAt,
  };
}

export function toCalendarDto(calendar: Calendar): CalendarDto {
  return {
    from: calendar.from.toISOString(),
    to: calendar.to.toISOString(),
    occurrences: calendar.occurrences.map((occurrence) => ({ window: occurrence.window, kind: occurrence.kind, start: occurrence.start.toISOString(), end: occurrence.end.toISOString() })),
    changes: calendar.changes.map((change) => ({ ...change, start: change.start.toISOString(), end: change.end.toISOString() })),
  };
}

export function bindingsDto(access: Access): RoleBindingDto[] {
  return access.map((binding) => ({ role: binding.role, apps: [...binding.apps], environments: [...binding.environments] }));
}
