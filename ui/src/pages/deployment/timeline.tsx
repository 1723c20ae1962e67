import type { DeploymentDto } from '../../../../src/client/api-client.js';
import type { TaskDto } from './deployment-state.js';
import { timelineSteps, type StepStatus } from './timeline-steps.js';

const SYMBOLS: Record<StepStatus, string> = { done: '✓', current: '▶', pending: '○', failed: '✕', stopped: '–' };

/** The rollout's batches and gates in order, each with where the deployment stands (Argo Rollouts' steps view). */
export function Timeline({ deployment, tasks }: { deployment: DeploymentDto; tasks: readonly TaskDto[] }) {
  if (deployment.batches === null) {
    return <p className="muted timeline-unplanned">The rollout is planned (batches and gates) when the deployment starts.</p>;
  }
  const steps = timelineSteps(deployment, tasks);
  return (
    <ol className="timeline" aria-label="Rollout timeline">
      {steps.map((step) => (
        <li key={step.key} className={`timeline-step timeline-${step.kind} timeline-${step.status}`} data-status={step.status} aria-current={step.status === 'current' ? 'step' : undefined}>
          <span className="timeline-symbol" aria-hidden="true">
            {SYMBOLS[step.status]}
          </span>
          <span className="timeline-title">{step.title}</span>
          <span className="timeline-words">{step.words}</span>
          <span className="timeline-detail muted small" title={step.detail}>
            {step.detail}
          </span>
        </li>
      ))}
    </ol>
  );
}
