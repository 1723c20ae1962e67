import type { Application, Deployment, DeploymentEventRecord, LogLine, Release, Target, Task } from '../core/model.js';
import type { ApplicationDto, DeploymentDto, EventDto, LogLineDto, ReleaseDto, TargetDto, TaskDto } from '../protocol/api.js';

export function toTargetDto(target: Target): TargetDto {
  const { transport } = target;
  return {
    name: target.name,
    transport: transport.type,
    address: transport.type === 'local' ? transport.root : `${transport.user}@${transport.host}:${transport.port}`,
    root: transport.root,
    labels: { ...target.labels },
    hostKeySha256: transport.type === 'ssh' ? transport.hostKeySha256 : null,
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
    forced: deployment.forced,
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

export function toEventDto(event: DeploymentEventRecord): EventDto {
  return { seq: event.seq, target: event.target, type: event.type, data: { ...event.data }, at: event.at };
}

export function toLogLineDto(line: LogLine): LogLineDto {
  return { seq: line.seq, target: line.target, step: line.step, stream: line.stream, text: line.text, at: line.at };
}
