import { Link } from 'react-router';
import type { ExposureRowDto } from '../../../../src/client/api-client.js';
import { ExposureStateBadge, SeverityBadge } from './patch-badges.js';
import { severityRank } from './patch-words.js';

const bySeverityThenTarget = (a: ExposureRowDto, b: ExposureRowDto) =>
  severityRank(a.severity) - severityRank(b.severity) || a.target.localeCompare(b.target) || a.advisory.localeCompare(b.advisory);

/** One row a target × advisory pair, with each package's installed and fixed versions. */
export function ExposureTable({ rows }: { rows: readonly ExposureRowDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list patch-exposure">
        <caption className="visually-hidden">Exposure: targets against advisories</caption>
        <thead>
          <tr>
            <th scope="col">Target</th>
            <th scope="col">Environments</th>
            <th scope="col">Advisory</th>
            <th scope="col">Severity</th>
            <th scope="col">State</th>
            <th scope="col">Installed → fixed</th>
          </tr>
        </thead>
        <tbody>
          {[...rows].sort(bySeverityThenTarget).map((row) => (
            <tr key={`${row.target}\n${row.advisory}`}>
              <th scope="row">
                <Link to={`/targets/${encodeURIComponent(row.target)}`}>{row.target}</Link>
              </th>
              <td>{row.environments.join(', ')}</td>
              <td>
                <code>{row.advisory}</code>
              </td>
              <td>
                <SeverityBadge severity={row.severity} />
              </td>
              <td>
                <ExposureStateBadge state={row.state} />
              </td>
              <td>
                <PackageVersions packages={row.packages} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PackageVersions({ packages }: { packages: ExposureRowDto['packages'] }) {
  if (packages.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="patch-versions">
      {packages.map((pkg) => (
        <li key={pkg.name}>
          <code>{pkg.name}</code> <code>{pkg.installed}</code> <span aria-hidden="true">→</span>
          <span className="visually-hidden">fixed in</span> {pkg.fixedIn ? <code>{pkg.fixedIn}</code> : <span className="muted">no fixed version yet</span>}
        </li>
      ))}
    </ul>
  );
}
