import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { FILTER_NAMES, filterFromParams, type AuditFilter } from './audit-query.js';

const LABELS: Record<keyof AuditFilter, string> = { actor: 'Actor', action: 'Action', from: 'From', until: 'Until' };

/** Actor and action (exact), time range (from inclusive, until exclusive), kept in the URL; applying them starts again from the newest record. */
export function AuditFilters() {
  const [params, setParams] = useSearchParams();
  const [draft, setDraft] = useState<AuditFilter>(() => filterFromParams(params));
  const apply = (filter: AuditFilter) => {
    const next = new URLSearchParams();
    for (const name of FILTER_NAMES) {
      const value = filter[name]?.trim();
      if (value) next.set(name, value);
    }
    setParams(next);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply(draft);
  };
  const clear = () => {
    setDraft({});
    apply({});
  };
  return (
    <form className="filters audit-filters" onSubmit={submit} aria-label="Filter the audit log">
      {FILTER_NAMES.map((name) => (
        <label key={name}>
          {LABELS[name]}
          <input
            type={name === 'from' || name === 'until' ? 'datetime-local' : 'search'}
            name={name}
            value={draft[name] ?? ''}
            placeholder={name === 'action' ? 'POST /api/v1/tokens' : undefined}
            onChange={(event) => setDraft({ ...draft, [name]: event.target.value })}
          />
        </label>
      ))}
      <div className="audit-filter-actions">
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
        <button type="button" className="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
