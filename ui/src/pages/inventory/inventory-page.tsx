import { useCan } from '../../api/session.js';
import { Page } from '../../components/page.js';
import { QueryView } from '../../components/query-view.js';
import { RefreshButton } from '../../components/refresh-button.js';
import { CiFilters, useCiFilter } from './ci-filters.js';
import { CiTable } from './ci-table.js';
import { CsvExport } from './csv-export.js';
import { CsvImport } from './csv-import.js';
import { INVENTORY_KEY, useCis } from './inventory-queries.js';
import './inventory.css';

/** The inventory (issue 9): discovered targets, applications and environments, and the manual CIs people record. */
export function InventoryPage() {
  const can = useCan();
  const [filter, setFilter] = useCiFilter();
  const cis = useCis(filter);
  const filtered = Boolean(filter.kind || filter.class || filter.lifecycle);
  return (
    <Page title="Inventory" actions={<RefreshButton queryKey={INVENTORY_KEY} />}>
      <div className="inventory-toolbar">
        <CiFilters filter={filter} onChange={setFilter} />
        <CsvExport />
        {can('targets') && <CsvImport />}
      </div>
      <QueryView query={cis} what="the configuration items">
        {(list) =>
          list.length === 0 ? (
            <p className="empty">
              {filtered ? 'No configuration item matches these filters.' : 'Nothing in the inventory yet. Register targets, apply manifests, or import manual CIs from a CSV file.'}
            </p>
          ) : (
            <>
              <p className="muted" role="status">
                {list.length} configuration item{list.length === 1 ? '' : 's'}
              </p>
              <CiTable cis={list} />
            </>
          )
        }
      </QueryView>
    </Page>
  );
}
