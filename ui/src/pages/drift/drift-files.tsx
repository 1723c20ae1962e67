import type { DriftRecordDto } from '../../../../src/client/api-client.js';

const KINDS = [
  ['changed', 'Changed'],
  ['added', 'Added'],
  ['removed', 'Removed'],
  ['packages', 'Packages'],
] as const;

/** The files that differ from the release, by kind (release-relative paths), and the declared packages missing; the last known ones for an unknown check. */
export function DriftFiles({ record }: { record: DriftRecordDto }) {
  const kinds = KINDS.filter(([kind]) => record[kind].length > 0);
  if (kinds.length === 0) return <span className="muted">{record.state === 'unknown' ? 'no known differences' : 'none'}</span>;
  return (
    <dl className="drift-files">
      {kinds.map(([kind, title]) => (
        <div key={kind} data-kind={kind}>
          <dt>
            {title} ({record[kind].length})
          </dt>
          <dd>
            <ul>
              {record[kind].map((path) => (
                <li key={path}>
                  <code>{path}</code>
                </li>
              ))}
            </ul>
          </dd>
        </div>
      ))}
    </dl>
  );
}
