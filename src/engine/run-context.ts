import type { Manifest, Slot } from '../core/manifest/schema.js';
import type { Masker } from '../core/secrets/mask.js';
import type { Deployment, Release, Task } from '../core/model.js';
import type { EngineDeps } from './engine-deps.js';
import type { LogSink } from './log-sink.js';
import type { DeploymentChange, Lease, NewEvent, NewTask, StepAttempt, TargetSession, TaskChange } from './ports.js';
import type { SessionPool } from './session-pool.js';
import type { TargetWork } from './target-work.js';
import type { TrafficRotation } from './traffic-rotation.js';

/** Why a run's signal was aborted. */
export type StopReason = 'cancel' | 'abort' | 'lease-lost' | 'shutdown';

/**
 * Everything one run of one deployment shares. It keeps the latest copy of the deployment and
 * its tasks, updated only after the store has committed each change.
 */
export class RunContext {
  private current: Deployment;
  private readonly tasks = new Map<string, Task>();
  /** The environment's load balancer, when the manifest gives it one. */
  traffic: TrafficRotation | null = null;
  /**
   * Blue-green: the slot the release goes to, the one that served before it (null on the
   * environment's first blue-green deployment), and the targets' values for that one.
   */
  slots: { readonly next: Slot; readonly live: Slot | null; readonly liveWork: ReadonlyMap<string, TargetWork> } | null = null;
  /** Why the run was stopped from within (a background analysis that failed), for the record. */
  private interruption: string | null = null;
  /** A background analysis came back inconclusive: pause before the next batch. */
  pauseBeforeNextBatch: string | null = null;
  /** A background analysis is measuring: a pause keeps this run (and its lease) so it goes on. */
  measuresWhilePaused = false;

  constructor(
    readonly deps: EngineDeps,
    readonly lease: Lease,
    readonly signal: AbortSignal,
    deployment: Deployment,
    tasks: readonly Task[],
    readonly release: Release,
    readonly manifest: Manifest,
    readonly work: ReadonlyMap<string, TargetWork>,
    readonly sessions: SessionPool,
    readonly logs: LogSink,
    private readonly stop: (reason: StopReason) => void,
  ) {
    this.current = deployment;
    for (const task of tasks) this.tasks.set(task.target, task);
  }

  get deployment(): Deployment {
    return this.current;
  }

  get stopReason(): StopReason | undefined {
    return this.signal.aborted ? (this.signal.reason as StopReason) : undefined;
  }

  /** Why the run was interrupted from within, if it was. */
  get interruptedBecause(): string | null {
    return this.interruption;
  }

  /** Stops the steps under way, as an abort request would, for a reason found by the run itself. */
  interrupt(reason: 'abort', because: string): void {
    this.interruption ??= because;
    this.stop(reason);
  }

  task(target: string): Task {
    const task = this.tasks.get(target);
    if (!task) throw new Error(`no task for target ${target} in deployment ${this.current.id}`);
    return task;
  }

  allTasks(): Task[] {
    return [...this.tasks.values()];
  }

  now(): string {
    return this.deps.clock.now().toISOString();
  }

  /** Names a step attempt for the transports, fenced by this run's lease. */
  stepAttempt(target: string, step: string, attempt: number): StepAttempt {
    return { key: `${this.current.id}/${target}/${step}/${attempt}`, fencingToken: this.lease.token };
  }

  session(target: string): Promise<TargetSession> {
    return this.sessions.open(this.work.get(target)?.target ?? target, this.signal);
  }

  /** What the run writes is masked: a reason, an error or an event may quote a hook's output. */
  get masker(): Masker {
    return this.logs.masker;
  }

  async recordDeployment(unmasked: DeploymentChange, unmaskedEvents: readonly NewEvent[], newTasks?: readonly NewTask[]): Promise<void> {
    const at = this.now();
    const [change, events] = [this.masker.maskDeep(unmasked), this.masker.maskDeep(unmaskedEvents)];
    await this.deps.store.recordDeployment(this.lease, change, events, at, newTasks);
    if (newTasks?.length) {
      const { tasks } = await this.deps.store.loadDeployment(this.current.id);
      for (const task of tasks) this.tasks.set(task.target, task);
    }
    this.current = { ...this.current, ...change } as Deployment;
    this.deps.onProgress(this.current.id);
  }

  async recordTask(target: string, unmasked: TaskChange, unmaskedEvents: readonly NewEvent[]): Promise<Task> {
    const [change, events] = [this.masker.maskDeep(unmasked), this.masker.maskDeep(unmaskedEvents)];
    const task = this.task(target);
    const at = this.now();
    await this.deps.store.recordTask(this.lease, task.id, change, events.map((event) => ({ target, ...event })), at);
    const next = { ...task, ...change, updatedAt: at } as Task;
    this.tasks.set(target, next);
    this.deps.onProgress(this.current.id);
    return next;
  }
}
