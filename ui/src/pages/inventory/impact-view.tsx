import { Link } from 'react-router';
import type { ChangeState, ImpactDto, ImpactStepDto } from '../../../../src/client/api-client.js';
import { CHANGE_STATE_LOOKS, windowInWords } from '../changes/change-words.js';
import { ciPath } from './inventory-words.js';

type Change = ImpactDto['changes'][number];

const GROUPS: readonly { key: 'applications' | 'environments' | 'targets' | 'others'; title: string }[] = [
  { key: 'applications', title: 'Applications' },
  { key: 'environments', title: 'Environments' },
  { key: 'targets', title: 'Targets' },
  { key: 'others', title: 'Other CIs' },
];

/** What a change to (or a failure of) the CI affects, grouped, each with the path that carries it; then the open change requests it touches. */
export function ImpactView({ impact }: { impact: ImpactDto }) {
  const affected = GROUPS.reduce((total, group) => total + impact[group.key].length, 0);
  return (
    <div className="impact">
      <p role="status" className="impact-summary">
        {affected === 0 ? `Nothing is affected within depth ${impact.depth}.` : `${affected} CI${affected === 1 ? '' : 's'} affected within depth ${impact.depth}.`}
        {impact.beyondDepth > 0 && <strong className="impact-beyond"> {impact.beyondDepth} more beyond depth {impact.depth}.</strong>}
      </p>
      <div className="impact-groups">
        {GROUPS.map((group) => (
          <ImpactGroup key={group.key} title={group.title} steps={impact[group.key]} />
        ))}
      </div>
      <h3>Open change requests affected</h3>
      {impact.changes.length === 0 ? <p className="muted">No open or scheduled change request touches what is affected.</p> : <ChangeList changes={impact.changes} />}
    </div>
  );
}

function ImpactGroup({ title, steps }: { title: string; steps: readonly ImpactStepDto[] }) {
  return (
    <section className="impact-group" aria-label={title}>
      <h3>
        {title} <span className="muted">({steps.length})</span>
      </h3>
      {steps.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul>
          {steps.map((step) => (
            <li key={step.ref}>
              <Link to={ciPath(step.ref)} className="inventory-ref">
                {step.ref}
              </Link>{' '}
              <span className="muted small">
                ({step.depth} step{step.depth === 1 ? '' : 's'} away)
              </span>
              <span className="impact-path">{step.because}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

const stateInWords = (state: string) => (state in CHANGE_STATE_LOOKS ? CHANGE_STATE_LOOKS[state as ChangeState].label : state.replace(/_/g, ' '));

function ChangeList({ changes }: { changes: readonly Change[] }) {
  return (
    <ul className="impact-changes">
      {changes.map((change) => (
        <li key={change.id}>
          <Link to={`/changes/${encodeURIComponent(change.id)}`}>
            <code>{change.id}</code> {change.title}
          </Link>
          <span className="muted small">
            {' '}
            — {stateInWords(change.state)}; {change.app} in {change.environment}; window {windowInWords(change.window ?? undefined)}
          </span>
          <span className="impact-path">touches {change.because.join(', ')}</span>
        </li>
      ))}
    </ul>
  );
}
