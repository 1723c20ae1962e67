import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { CiDto, ManualCiDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { CLASS_LABELS, ciPath, dayInWords, KIND_LABELS, LIFECYCLE_LABELS, LIFECYCLES } from './inventory-words.js';

const none = <span className="muted">not recorded</span>;
const text = (value: string | null) => value ?? none;

/** What the inventory knows about a CI: recorded fields for a manual one, what Gantry sees for the rest. */
export function CiDetails({ ci }: { ci: CiDto }) {
  const rows: [string, ReactNode][] = [
    ['Reference', <code key="ref">{ci.ref}</code>],
    ['Kind', KIND_LABELS[ci.kind]],
    ['Source', ci.source === 'discovered' ? 'discovered by Gantry' : 'recorded by people'],
    ...(ci.manual ? manualRows(ci.manual) : []),
    ...targetRows(ci),
  ];
  if (ci.kind !== 'ci') {
    rows.push(['Applications', <RefList key="apps" kind="app" names={ci.applications} />]);
    rows.push(['Environments', <RefList key="envs" kind="environment" names={ci.environments} />]);
  }
  return (
    <dl className="inventory-details">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

function manualRows(manual: ManualCiDto): [string, ReactNode][] {
  return [
    ['Class', CLASS_LABELS[manual.class]],
    ['Owner', text(manual.owner)],
    ['Lifecycle', LIFECYCLE_LABELS[manual.lifecycle]],
    ['Serial', text(manual.serial)],
    ['Model', text(manual.model)],
    ['Location', text(manual.location)],
    ['Purchased', manual.purchaseDate ? dayInWords(manual.purchaseDate) : none],
    ['Warranty until', manual.warrantyUntil ? dayInWords(manual.warrantyUntil) : none],
    ['Cost centre', text(manual.costCentre)],
    ['Description', text(manual.description)],
    ['Updated', <TimeAgo key="updated" at={manual.updatedAt} />],
  ];
}

function targetRows(ci: CiDto): [string, ReactNode][] {
  const target = ci.target;
  if (!target) return [];
  return [
    ['Target', <Link key="target" to={`/targets/${encodeURIComponent(ci.name)}`}>{ci.name} on the targets page</Link>],
    ['Transport', target.transport],
    ['Operating system', target.os ?? <span className="muted">not reported</span>],
    ['Packages', target.packageCount ?? <span className="muted">not reported</span>],
    ['Last seen', target.lastSeenAt ? <TimeAgo at={target.lastSeenAt} /> : <span className="muted">never</span>],
  ];
}

function RefList({ kind, names }: { kind: 'app' | 'environment'; names: readonly string[] }) {
  if (names.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="inventory-inline">
      {names.map((name) => (
        <li key={name}>
          <Link to={ciPath(`${kind}:${name}`)}>{name}</Link>
        </li>
      ))}
    </ul>
  );
}

/** When the manual CI entered each lifecycle state it has been in, in lifecycle order. */
export function LifecycleDates({ manual }: { manual: ManualCiDto }) {
  const entered = LIFECYCLES.flatMap((state) => {
    const at = manual.lifecycleDates[state];
    return at ? [{ state, at }] : [];
  });
  if (entered.length === 0) return <p className="muted">No lifecycle dates recorded.</p>;
  return (
    <ol className="inventory-lifecycle">
      {entered.map(({ state, at }) => (
        <li key={state} aria-current={state === manual.lifecycle ? 'step' : undefined}>
          <strong>{LIFECYCLE_LABELS[state]}</strong> since {dayInWords(at)}
          {state === manual.lifecycle && <span className="muted"> (now)</span>}
        </li>
      ))}
    </ol>
  );
}
