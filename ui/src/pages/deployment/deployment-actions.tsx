/**
 * What a deployer can do to this deployment, offered only when the state takes it (the rules of
 * src/core/deployment/control.ts): promote and resume a paused rollout, pause one that runs (or
 * hold a timed pause), abort (roll back what was switched), cancel, and roll the environment back.
 */
import { useNavigate } from 'react-router';
import type { DeploymentDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { isFinished } from './deployment-state.js';

interface DeploymentActionsProps {
  readonly deployment: DeploymentDto;
  /** After a request was taken: the deployment as the server now has it. */
  readonly onChanged: (deployment?: DeploymentDto) => Promise<void>;
}

export function DeploymentActions({ deployment, onChanged }: DeploymentActionsProps) {
  const can = useCan();
  const navigate = useNavigate();
  const { id, app, environment, state } = deployment;
  if (!can('deploy', { app, environment })) return null;
  const paused = state === 'paused';
  const underWay = state === 'running' || paused;
  const control = (request: 'promote' | 'pause' | 'resume' | 'abort') => async () => onChanged(await api.controlDeployment(id, request));
  const what = `${app} ${deployment.version} in ${environment}`;
  return (
    <>
      {paused && <ConfirmButton label="Promote" tone="primary" question={<p>Pass the gate {what} waits at and go on with the next batch.</p>} onConfirm={control('promote')} />}
      {paused && <ConfirmButton label="Resume" question={<p>Take {what} up again (an analysis that was inconclusive runs again).</p>} onConfirm={control('resume')} />}
      {(state === 'queued' || state === 'running' || (paused && deployment.resumeAt !== null)) && (
        <ConfirmButton
          label="Pause"
          question={<p>{paused ? `Hold ${what} here until someone promotes or resumes it.` : `Pause ${what} before its next batch; the batch under way finishes first.`}</p>}
          onConfirm={control('pause')}
        />
      )}
      {underWay && <ConfirmButton label="Abort" tone="danger" question={<p>Stop {what} now and roll back every target already switched to {deployment.version}.</p>} onConfirm={control('abort')} />}
      {(state === 'queued' || underWay) && (
        <ConfirmButton
          label="Cancel deployment"
          tone="danger"
          question={<p>Stop {what}. Targets not yet deployed are left alone; targets already switched stay on {deployment.version} (Abort rolls them back).</p>}
          onConfirm={async () => onChanged(await api.cancelDeployment(id))}
        />
      )}
      {isFinished(state) && deployment.kind === 'deploy' && (
        <ConfirmButton
          label="Roll back"
          tone="danger"
          question={<p>Deploy the release that was live in {environment} before {app}'s current one, as a new rollback deployment.</p>}
          onConfirm={async () => {
            const queued = await api.rollback(app, environment);
            await onChanged();
            void navigate(`/deployments/${encodeURIComponent(queued.deployment.id)}`);
          }}
        />
      )}
    </>
  );
}
