import type { DeploymentDetailDto } from '../../../../src/client/api-client.js';
import { describeDuration } from './timeline-steps.js';

type DeploymentTime = NonNullable<DeploymentDetailDto['time']>;

/** How long the deployment took, per batch, and how long targets were out of the load balancer's rotation. */
export function TimeSection({ time }: { time: DeploymentTime }) {
  const rotation = time.outOfRotation;
  return (
    <section aria-labelledby="time-heading">
      <h2 id="time-heading">Time</h2>
      <dl className="deployment-facts">
        <div>
          <dt>Duration</dt>
          <dd>{time.durationMs === null ? <span className="muted">not started</span> : describeDuration(time.durationMs)}</dd>
        </div>
        {time.queuedMs !== null && (
          <div>
            <dt>Waited in queue</dt>
            <dd>{describeDuration(time.queuedMs)}</dd>
          </div>
        )}
        {time.batches.map((batch) => (
          <div key={batch.batch}>
            <dt>Batch {batch.batch + 1}</dt>
            <dd>
              {describeDuration(batch.durationMs)}
              {!batch.finished && <span className="muted">{batch.endedAt ? ' (stopped)' : ' (running)'}</span>}
            </dd>
          </div>
        ))}
        {time.rollbackMs !== null && (
          <div>
            <dt>Rollback</dt>
            <dd>{describeDuration(time.rollbackMs)}</dd>
          </div>
        )}
        <div>
          <dt>Out of rotation</dt>
          <dd>{rotation.targets.length === 0 ? <span className="muted">no target</span> : `${describeDuration(rotation.targetMs)} target-time`}</dd>
        </div>
        {rotation.targets.length > 0 && (
          <div>
            <dt>Longest outage</dt>
            <dd>{describeDuration(rotation.longestMs)}</dd>
          </div>
        )}
      </dl>
      {rotation.targets.length > 0 && (
        <table className="list">
          <caption className="muted">Time each target was out of the load balancer's rotation</caption>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Out of rotation</th>
              <th scope="col">Stretches</th>
            </tr>
          </thead>
          <tbody>
            {rotation.targets.map((target) => (
              <tr key={target.target}>
                <td>{target.target}</td>
                <td>{describeDuration(target.totalMs)}</td>
                <td>
                  {target.gaps.length}
                  {target.gaps.some((gap) => gap.open) && <span className="badge badge-warning"> still out at the end</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
