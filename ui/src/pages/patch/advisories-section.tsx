import type { AdvisoryDto } from '../../../../src/client/api-client.js';
import { QueryView } from '../../components/query-view.js';
import { DateText, SeverityBadge } from './patch-badges.js';
import { useAdvisories } from './patch-queries.js';
import { severityRank } from './patch-words.js';

const bySeverityThenNewest = (a: AdvisoryDto, b: AdvisoryDto) =>
  severityRank(a.severity) - severityRank(b.severity) || (b.published ?? '').localeCompare(a.published ?? '') || a.id.localeCompare(b.id);

/** The imported advisories, most severe first. */
export function AdvisoriesSection() {
  const advisories = useAdvisories();
  return (
    <section aria-labelledby="patch-advisories-heading">
      <h2 id="patch-advisories-heading">Advisories</h2>
      <QueryView query={advisories} what="the advisories">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              No advisories imported yet. Import OSV records (a file, or a folder of <code>.json</code> files) with <code>gantry advisories import PATH</code>.
            </p>
          ) : (
            <>
              <p className="muted patch-count">
                {list.length} advisor{list.length === 1 ? 'y' : 'ies'} imported.
              </p>
              <AdvisoryTable advisories={[...list].sort(bySeverityThenNewest)} />
            </>
          )
        }
      </QueryView>
    </section>
  );
}

function AdvisoryTable({ advisories }: { advisories: readonly AdvisoryDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list patch-advisories">
        <caption className="visually-hidden">Imported advisories</caption>
        <thead>
          <tr>
            <th scope="col">Advisory</th>
            <th scope="col">Severity</th>
            <th scope="col">CVSS</th>
            <th scope="col">Aliases</th>
            <th scope="col">Packages</th>
            <th scope="col">Published</th>
          </tr>
        </thead>
        <tbody>
          {advisories.map((advisory) => (
            <tr key={advisory.id}>
              <th scope="row">
                <code>{advisory.id}</code>
                {advisory.summary && <span className="patch-summary">{advisory.summary}</span>}
              </th>
              <td>
                <SeverityBadge severity={advisory.severity} />
              </td>
              <td>{advisory.cvssScore === null ? <span className="muted">—</span> : advisory.cvssScore.toFixed(1)}</td>
              <td>
                <Names names={advisory.aliases} />
              </td>
              <td>
                <Names names={[...new Set(advisory.packages.map((pkg) => `${pkg.name} (${pkg.ecosystem})`))]} />
              </td>
              <td>{advisory.published ? <DateText at={advisory.published} /> : <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Names({ names }: { names: readonly string[] }) {
  if (names.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="patch-names">
      {names.map((name) => (
        <li key={name}>{name}</li>
      ))}
    </ul>
  );
}
