import type { TargetDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { LabelChips } from './label-chips.js';
import { OnlineBadge } from './online-state.js';

/** How Gantry reaches the target, and how it is selected. */
export function TargetDetails({ target }: { target: TargetDto }) {
  return (
    <dl className="target-details">
      <dt>Labels</dt>
      <dd>
        <LabelChips labels={target.labels} />
      </dd>
      <dt>Transport</dt>
      <dd>{target.transport}</dd>
      <dt>Address</dt>
      <dd>
        <code>{target.address}</code>
      </dd>
      <dt>Root</dt>
      <dd>
        <code>{target.root}</code>
      </dd>
      <dt>Host key fingerprint</dt>
      <dd>{target.hostKeySha256 ? <code>{target.hostKeySha256}</code> : <span className="muted">none</span>}</dd>
      <dt>Online</dt>
      <dd>
        <OnlineBadge target={target} />
      </dd>
      <dt>Last seen</dt>
      <dd>{target.lastSeenAt ? <TimeAgo at={target.lastSeenAt} /> : <span className="muted">{target.transport === 'agent' ? 'never' : 'n/a'}</span>}</dd>
      <dt>Registered</dt>
      <dd>
        <TimeAgo at={target.createdAt} />
      </dd>
    </dl>
  );
}
