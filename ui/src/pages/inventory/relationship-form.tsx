import { useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { api } from '../../api/client.js';
import { messageOf } from '../../api/errors.js';
import { INVENTORY_KEY, useCis } from './inventory-queries.js';
import { RELATIONSHIP_TYPES, type RelationshipType } from './inventory-words.js';

type Direction = 'from' | 'to';

/** Records a relationship between this CI and another (`KIND:NAME`, suggested from the inventory). */
export function RelationshipForm({ ciRef }: { ciRef: string }) {
  const client = useQueryClient();
  const cis = useCis();
  const suggestions = useId();
  const [type, setType] = useState<RelationshipType>('depends-on');
  const [direction, setDirection] = useState<Direction>('from');
  const [other, setOther] = useState('');
  const [state, setState] = useState<{ busy: boolean; error: string | null; done: string | null }>({ busy: false, error: null, done: null });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const end = other.trim();
    if (!end) return;
    const relationship = direction === 'from' ? { from: ciRef, type, to: end } : { from: end, type, to: ciRef };
    setState({ busy: true, error: null, done: null });
    try {
      const { created } = await api.relate(relationship);
      const words = `${relationship.from} ${relationship.type} ${relationship.to}`;
      setState({ busy: false, error: null, done: created ? `Recorded: ${words}.` : `Already recorded: ${words}.` });
      setOther('');
      await client.invalidateQueries({ queryKey: INVENTORY_KEY });
    } catch (cause) {
      setState({ busy: false, error: messageOf(cause), done: null });
    }
  };
  return (
    <form className="inventory-relate" aria-label="Add a relationship" onSubmit={(event) => void submit(event)}>
      <h3>Add a relationship</h3>
      <div className="inventory-relate-fields">
        <label>
          Direction
          <select value={direction} onChange={(event) => setDirection(event.target.value as Direction)}>
            <option value="from">{ciRef} → other end</option>
            <option value="to">other end → {ciRef}</option>
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(event) => setType(event.target.value as RelationshipType)}>
            {RELATIONSHIP_TYPES.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label>
          Other end
          <input type="text" required value={other} list={suggestions} placeholder="e.g. ci:orders-db" autoComplete="off" onChange={(event) => setOther(event.target.value)} />
        </label>
        <datalist id={suggestions}>
          {(cis.data ?? [])
            .filter((ci) => ci.ref !== ciRef)
            .map((ci) => (
              <option key={ci.ref} value={ci.ref} />
            ))}
        </datalist>
        <button type="submit" className="button button-primary" disabled={state.busy}>
          {state.busy ? 'Adding…' : 'Add relationship'}
        </button>
      </div>
      <p role="status" className="muted small">
        {state.done ?? ''}
      </p>
      {state.error && (
        <p role="alert" className="error">
          {state.error}
        </p>
      )}
    </form>
  );
}
