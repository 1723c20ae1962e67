import type { AuditRecordDto } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';

/** `status 201` is good, `status 4xx/5xx` bad, `attempted` (no answer recorded) neither: said in words too. */
function outcomeTone(outcome: string): { tone: string; symbol: string } {
  const status = /^status (\d{3})$/.exec(outcome)?.[1];
  if (status === undefined) return { tone: 'neutral', symbol: '…' };
  return Number(status) < 400 ? { tone: 'good', symbol: '✓' } : { tone: 'bad', symbol: '✕' };
}

/** Audit records, newest first; each one's details expand as pretty-printed JSON. */
export function AuditTable({ records }: { records: readonly AuditRecordDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list audit-table">
        <thead>
          <tr>
            <th scope="col">Seq</th>
            <th scope="col">When</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Resource</th>
            <th scope="col">Outcome</th>
            <th scope="col">Address</th>
            <th scope="col">Details</th>
          </tr>
        </thead>
        <tbody>
          {records.map((record) => {
            const look = outcomeTone(record.outcome);
            return (
              <tr key={record.seq}>
                <th scope="row">{record.seq}</th>
                <td>
                  <span className="audit-when">
                    <TimeAgo at={record.at} />
                    <span className="muted small">{new Date(record.at).toLocaleString()}</span>
                  </span>
                </td>
                <td>{record.actor}</td>
                <td>
                  <code>{record.action}</code>
                </td>
                <td>
                  <code className="audit-resource">{record.resource}</code>
                </td>
                <td>
                  <span className={`badge badge-${look.tone}`}>
                    <span aria-hidden="true">{look.symbol}</span> {record.outcome}
                  </span>
                </td>
                <td>{record.address ?? <span className="muted">—</span>}</td>
                <td>
                  <details className="audit-details">
                    <summary>
                      Details<span className="visually-hidden"> of record {record.seq}</span>
                    </summary>
                    <pre>{JSON.stringify(record.details, null, 2) ?? 'none'}</pre>
                  </details>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
