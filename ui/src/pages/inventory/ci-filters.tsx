import { useSearchParams } from 'react-router';
import type { CiFilter } from './inventory-queries.js';
import { CLASS_LABELS, CLASSES, KIND_LABELS, KINDS, LIFECYCLE_LABELS, LIFECYCLES } from './inventory-words.js';

type FilterKey = keyof CiFilter;

/** `?kind=ci&class=database&lifecycle=in_use`: what the inventory is narrowed to, kept in the address. */
export function useCiFilter(): [CiFilter, (key: FilterKey, value: string) => void] {
  const [params, setParams] = useSearchParams();
  const filter: CiFilter = { kind: params.get('kind') ?? undefined, class: params.get('class') ?? undefined, lifecycle: params.get('lifecycle') ?? undefined };
  const setFilter = (key: FilterKey, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };
  return [filter, setFilter];
}

/** Kind, class and lifecycle selects (class and lifecycle narrow manual CIs). */
export function CiFilters({ filter, onChange }: { filter: CiFilter; onChange: (key: FilterKey, value: string) => void }) {
  return (
    <form className="filters" role="search" aria-label="Filter the configuration items" onSubmit={(event) => event.preventDefault()}>
      <FilterSelect label="Kind" value={filter.kind} options={KINDS.map((kind) => [kind, KIND_LABELS[kind]])} onChange={(value) => onChange('kind', value)} />
      <FilterSelect label="Class" value={filter.class} options={CLASSES.map((value) => [value, CLASS_LABELS[value]])} onChange={(value) => onChange('class', value)} />
      <FilterSelect label="Lifecycle" value={filter.lifecycle} options={LIFECYCLES.map((value) => [value, LIFECYCLE_LABELS[value]])} onChange={(value) => onChange('lifecycle', value)} />
    </form>
  );
}

function FilterSelect({ label, value, options, onChange }: { label: string; value: string | undefined; options: [string, string][]; onChange: (value: string) => void }) {
  return (
    <label>
      {label}
      <select value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        <option value="">any</option>
        {options.map(([option, words]) => (
          <option key={option} value={option}>
            {words}
          </option>
        ))}
      </select>
    </label>
  );
}
