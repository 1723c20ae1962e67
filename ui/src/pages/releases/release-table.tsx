import type { ReactNode } from 'react';
import type { ReleaseDto, StatusDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { formatBytes } from '../../components/byte-size.js';

interface ReleaseTableProps {
  readonly releases: readonly ReleaseDto[];
  readonly status: StatusDto;
  /** Environment names in lifecycle order, for the "live in" column. */
  readonly order: readonly string[];
  /** The deploy buttons of a release, or null when the user may deploy nowhere (no column then). */
  readonly actions: ((release: ReleaseDto) => ReactNode) | null;
}

/** The application's releases, newest first. */
export function ReleaseTable({ releases, status, order, actions }: ReleaseTableProps) {
  const newestFirst = [...releases].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const liveIn = (version: string) => order.filter((environment) => status.environments.some((entry) => entry.environment === environment && entry.liveVersion === version));
  return (
    <div className="grid-scroll">
      <table className="list releases">
        <caption className="visually-hidden">Releases, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Live in</th>
            <th scope="col">Notes</th>
            <th scope="col">Commit</th>
            <th scope="col">Size</th>
            <th scope="col">Created</th>
            {actions && <th scope="col">Deploy</th>}
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((release) => {
            const live = liveIn(release.version);
            return (
              <tr key={release.version}>
                <th scope="row">
                  <code>{release.version}</code>
                </th>
                <td>
                  {live.length === 0 ? (
                    <span className="muted">—</span>
                  ) : (
                    <ul className="release-live">
                      {live.map((environment) => (
                        <li key={environment} className="badge badge-good">
                          <span aria-hidden="true">●</span> {environment}
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
                <td className="release-notes">{release.notes ?? <span className="muted">—</span>}</td>
                <td>{release.commit ? <code title={release.commit}>{release.commit.slice(0, 12)}</code> : <span className="muted">—</span>}</td>
                <td className="release-size">{formatBytes(release.sizeBytes)}</td>
                <td>
                  <TimeAgo at={release.createdAt} />
                </td>
                {actions && <td>{actions(release)}</td>}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
