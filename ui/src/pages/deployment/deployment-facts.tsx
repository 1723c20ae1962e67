import { Link } from 'react-router';
import type { DeploymentDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { useRequestedBy } from './deployment-queries.js';
import { isFinished } from './deployment-state.js';
import type { StreamStatus } from './use-deployment-logs.js';

/** Kind, who and when, change, force, and whether the page is following the deployment live. */
export function DeploymentFacts({ deployment, stream }: { deployment: DeploymentDto; stream: StreamStatus }) {
  const requestedBy = useRequestedBy(deployment.id);
  return (
    <dl className="deployment-facts">
      <div>
        <dt>Kind</dt>
        <dd>{deployment.patch ? `patch (${deployment.patch.selection})` : deployment.kind}</dd>
      </div>
      {deployment.patch && (
        <div>
          <dt>Upgrades</dt>
          <dd>
            {Object.entries(deployment.patch.targets)
              .map(([target, order]) => `${target}: ${order.upgrades.map((upgrade) => `${upgrade.name} ${upgrade.from} → ${upgrade.to}`).join(', ')}`)
              .join('; ')}
          </dd>
        </div>
      )}
      <div>
        <dt>Requested by</dt>
        <dd>{requestedBy.data ?? <span className="muted">{requestedBy.isPending ? '…' : 'unknown'}</span>}</dd>
      </div>
      <div>
        <dt>Queued</dt>
        <dd>
          <TimeAgo at={deployment.createdAt} />
        </dd>
      </div>
      <div>
        <dt>Started</dt>
        <dd>{deployment.startedAt ? <TimeAgo at={deployment.startedAt} /> : <span className="muted">not yet</span>}</dd>
      </div>
      <div>
        <dt>Finished</dt>
        <dd>{deployment.finishedAt ? <TimeAgo at={deployment.finishedAt} /> : <span className="muted">not yet</span>}</dd>
      </div>
      <div>
        <dt>Change</dt>
        <dd>{deployment.changeId ? <Link to={`/changes/${encodeURIComponent(deployment.changeId)}`}>{deployment.changeId}</Link> : <span className="muted">none</span>}</dd>
      </div>
      <div>
        <dt>Forced</dt>
        <dd>{deployment.forced ? <span className="badge badge-warning">forced</span> : 'no'}</dd>
      </div>
      <div>
        <dt>Deployment</dt>
        <dd>
          <code>{deployment.id}</code>
        </dd>
      </div>
      <div>
        <dt>Updates</dt>
        <dd>
          <LiveStatus stream={stream} finished={isFinished(deployment.state)} />
        </dd>
      </div>
    </dl>
  );
}

function LiveStatus({ stream, finished }: { stream: StreamStatus; finished: boolean }) {
  switch (stream.state) {
    case 'live':
      return <span className="live-status live-on">● live</span>;
    case 'reconnecting':
      return <span className="live-status muted" role="status">reconnecting… ({stream.reason})</span>;
    case 'stopped':
      return (
        <span className="live-status error" role="alert">
          stopped: {stream.error}. Reload the page to follow it again.
        </span>
      );
    case 'ended':
      return <span className="live-status muted">ended</span>;
    case 'idle':
      return <span className="live-status muted">{finished ? 'finished' : 'connecting…'}</span>;
  }
}
