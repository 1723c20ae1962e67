import { useQuery } from '@tanstack/react-query';
import { useSearchParams } from 'react-router';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { AuditExport } from './audit-export.js';
import { AuditFilters } from './audit-filters.js';
import { AuditPaging } from './audit-paging.js';
import { AUDIT_PAGE_SIZE, auditQueryOf, FILTER_NAMES, filterFromParams, positionFromParams } from './audit-query.js';
import { AuditTable } from './audit-table.js';
import { AuditVerification } from './audit-verification.js';
import './audit.css';

/** The audit log, newest first, filtered and paged through the URL; verify its chain, export it. */
export function AuditPage() {
  const can = useCan();
  const [params] = useSearchParams();
  if (!can('audit'))
    return (
      <Page title="Audit">
        <p role="alert" className="error">
          You may not see the audit log: it needs the admin role on all applications and environments.
        </p>
      </Page>
    );
  return (
    <Page title="Audit" actions={<AuditExport />}>
      <AuditVerification />
      {/* A new form when the URL's filters change (Back, a shared link). */}
      <AuditFilters key={FILTER_NAMES.map((name) => params.get(name) ?? '').join('\n')} />
      <AuditRecords />
    </Page>
  );
}

/** One page, read by the server: newest first, or oldest first after a seq (then shown newest first). */
function AuditRecords() {
  const [params] = useSearchParams();
  const filter = filterFromParams(params);
  const position = positionFromParams(params);
  const query = auditQueryOf(filter, position);
  const page = useQuery({
    queryKey: ['audit', 'page', query],
    queryFn: async () => {
      const read = await api.listAudit(query);
      const records = read.slice(0, AUDIT_PAGE_SIZE);
      return { records: query.order === 'asc' ? records.reverse() : records, more: read.length > AUDIT_PAGE_SIZE };
    },
  });
  const filtered = Object.values(filter).some(Boolean);
  return (
    <QueryView query={page} what="audit records">
      {({ records, more }) =>
        records.length === 0 && position.kind === 'newest' && !filtered ? (
          <p className="empty">The audit log is empty.</p>
        ) : (
          <>
            <p className="muted audit-summary" aria-live="polite">
              {records.length} record{records.length === 1 ? '' : 's'}
              {filtered ? ' matching the filters' : ''}
              {records.length > 0 ? `, seq ${records.at(-1)!.seq}–${records[0]!.seq}` : ''}.
            </p>
            {records.length === 0 ? <p className="empty">No records match.</p> : <AuditTable records={records} />}
            <AuditPaging position={position} seqs={records.map((record) => record.seq)} more={more} />
          </>
        )
      }
    </QueryView>
  );
}
