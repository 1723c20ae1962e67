import { useId } from 'react';
import { newBindingRow, type BindingRow } from './binding-rows.js';
import { ROLE_NAMES } from '../../../../src/client/access.js';

interface BindingsEditorProps {
  readonly legend: string;
  readonly rows: readonly BindingRow[];
  readonly onChange: (rows: BindingRow[]) => void;
  /** Only one binding (a token has one). */
  readonly single?: boolean;
}

/** Rows of role × applications × environments (comma-separated, `*` for all). */
export function BindingsEditor({ legend, rows, onChange, single = false }: BindingsEditorProps) {
  const id = useId();
  const change = (index: number, part: Partial<BindingRow>) => onChange(rows.map((row, at) => (at === index ? { ...row, ...part } : row)));
  return (
    <fieldset className="bindings-editor">
      <legend>{legend}</legend>
      <p className="muted small" id={`${id}-hint`}>
        Applications and environments: names separated by commas, or * for all.
      </p>
      {rows.length === 0 && <p className="muted">No bindings: no access.</p>}
      {rows.map((row, index) => {
        const which = single ? '' : ` ${index + 1}`;
        return (
          <div className="binding-row" key={index}>
            <label>
              Role{which}
              <select value={row.role} onChange={(event) => change(index, { role: event.target.value })}>
                <option value="">Choose a role…</option>
                {ROLE_NAMES.map((role) => (
                  <option key={role} value={role}>
                    {role}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Applications{which}
              <input value={row.apps} aria-describedby={`${id}-hint`} onChange={(event) => change(index, { apps: event.target.value })} />
            </label>
            <label>
              Environments{which}
              <input value={row.environments} aria-describedby={`${id}-hint`} onChange={(event) => change(index, { environments: event.target.value })} />
            </label>
            {!single && (
              <button type="button" className="button button-plain" onClick={() => onChange(rows.filter((_, at) => at !== index))}>
                Remove binding{which}
              </button>
            )}
          </div>
        );
      })}
      {!single && (
        <button type="button" className="button" onClick={() => onChange([...rows, newBindingRow()])}>
          Add binding
        </button>
      )}
    </fieldset>
  );
}
