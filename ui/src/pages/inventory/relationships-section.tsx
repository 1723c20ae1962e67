import { useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { RelationshipDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { useCan } from '../../api/session.js';
import { ConfirmButton } from '../../components/confirm-button.js';
import { INVENTORY_KEY } from './inventory-queries.js';
import { ciPath } from './inventory-words.js';
import { RelationshipForm } from './relationship-form.js';

/** Every relationship the CI is an end of, discovered or recorded; writers add and remove recorded ones. */
export function RelationshipsSection({ ciRef, relationships }: { ciRef: string; relationships: readonly RelationshipDto[] }) {
  const can = useCan();
  const client = useQueryClient();
  const writer = can('targets');
  const remove = async (relationship: RelationshipDto) => {
    await api.unrelate({ from: relationship.from, type: relationship.type, to: relationship.to });
    await client.invalidateQueries({ queryKey: INVENTORY_KEY });
  };
  return (
    <section aria-labelledby="ci-relationships">
      <h2 id="ci-relationships">Relationships</h2>
      {relationships.length === 0 ? (
        <p className="muted">No relationships.</p>
      ) : (
        <div className="grid-scroll">
          <table className="list inventory-relationships">
            <caption className="visually-hidden">Relationships of {ciRef}</caption>
            <thead>
              <tr>
                <th scope="col">From</th>
                <th scope="col">Relationship</th>
                <th scope="col">To</th>
                <th scope="col">Source</th>
                {writer && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {relationships.map((relationship) => (
                <tr key={`${relationship.from} ${relationship.type} ${relationship.to}`}>
                  <th scope="row">
                    <End end={relationship.from} current={ciRef} />
                  </th>
                  <td>{relationship.type}</td>
                  <td>
                    <End end={relationship.to} current={ciRef} />
                  </td>
                  <td>{relationship.source}</td>
                  {writer && (
                    <td>
                      {relationship.source === 'manual' ? (
                        <ConfirmButton
                          label="Remove"
                          tone="danger"
                          onConfirm={() => remove(relationship)}
                          question={
                            <p>
                              <code>
                                {relationship.from} {relationship.type} {relationship.to}
                              </code>{' '}
                              is no longer recorded. Impact analysis stops following it.
                            </p>
                          }
                        />
                      ) : (
                        <span className="muted small">changes with labels and manifests</span>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {writer && <RelationshipForm ciRef={ciRef} />}
    </section>
  );
}

/** One end: this CI in bold, another one linked to its page. */
function End({ end, current }: { end: string; current: string }) {
  if (end === current) return <strong className="inventory-ref">{end}</strong>;
  return (
    <Link className="inventory-ref" to={ciPath(end)}>
      {end}
    </Link>
  );
}
