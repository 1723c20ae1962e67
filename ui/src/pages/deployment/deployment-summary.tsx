/**
 * One line under the heading that is always there (so nothing below moves when it changes): the
 * deployment's reason when it has one (why it failed, rolled back or paused), else where it stands.
 */
import { Link } from 'react-router';
import type { DeploymentDetailDto } from '../../../../src/client/api-client.js';
import { wentWrong } from './deployment-state.js';

export function DeploymentSummary({ detail }: { detail: DeploymentDetailDto }) {
  const { deployment, waitingFor } = detail;
  if (deployment.reason) {
    const bad = wentWrong(deployment.state);
    const tone = bad ? 'bad' : deployment.state === 'succeeded' ? 'good' : 'note';
    return (
      <div className="deployment-summary">
        <p data-testid="deployment-reason" role={bad ? 'alert' : undefined} className={`deployment-reason reason-${tone}`}>
          <span className="visually-hidden">Reason: </span>
          {deployment.reason}
        </p>
      </div>
    );
  }
  return (
    <div className="deployment-summary">
      <p className="deployment-where">{deployment.state === 'queued' ? <Queued waitingFor={waitingFor} /> : whereItStands(detail)}</p>
    </div>
  );
}

function Queued({ waitingFor }: { waitingFor: readonly string[] }) {
  if (waitingFor.length === 0) return <>Queued: it starts as soon as the engine takes it up.</>;
  return (
    <>
      Queued behind {waitingFor.length === 1 ? 'deployment' : 'deployments'}{' '}
      {waitingFor.map((id, index) => (
        <span key={id}>
          {index > 0 && ', '}
          <Link to={`/deployments/${encodeURIComponent(id)}`}>
            <code>{id}</code>
          </Link>
        </span>
      ))}{' '}
      of the same application and environment (oldest first).
    </>
  );
}

function whereItStands({ deployment, tasks }: DeploymentDetailDto): string {
  const total = tasks.length;
  const done = tasks.filter((task) => task.state === 'succeeded').length;
  const batches = deployment.batches?.length ?? 0;
  switch (deployment.state) {
    case 'running':
      if (batches === 0) return 'Planning the rollout…';
      return `Batch ${Math.min(deployment.currentBatch + 1, batches)} of ${batches} · ${done} of ${total} targets done`;
    case 'paused':
      return 'Paused.';
    case 'rolling_back':
      return 'Rolling back the targets already switched…';
    case 'succeeded':
      return `${done} of ${total} targets on ${deployment.version}.`;
    default:
      return `Ended: ${deployment.state.replace('_', ' ')}.`;
  }
}
