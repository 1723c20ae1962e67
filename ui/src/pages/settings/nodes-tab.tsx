import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import type { NodeDto } from '../../../../src/client/api-client.js';
import { api } from '../../api/client.js';
import { QueryView } from '../../components/query-view.js';
import { TimeAgo } from '../../components/time-ago.js';
import { NODES_KEY } from './settings-keys.js';

const NODE_STATES: Record<NodeDto['state'], { label: string; symbol: string; tone: string }> = {
  up: { label: 'up', symbol: '✓', tone: 'good' },
  stopped: { label: 'stopped', symbol: '–', tone: 'neutral' },
  unresponsive: { label: 'unresponsive', symbol: '✕', tone: 'bad' },
};

/** The `gantry serve` nodes sharing the database, and the deployments each holds. */
export function NodesTab() {
  const nodes = useQuery({ queryKey: NODES_KEY, queryFn: () => api.listNodes() });
  return (
    <section aria-labelledby="nodes-heading">
      <h2 id="nodes-heading">Nodes</h2>
      <QueryView query={nodes} what="nodes">
        {(list) => (list.length === 0 ? <p className="empty">No nodes have reported.</p> : <NodesTable nodes={list} />)}
      </QueryView>
    </section>
  );
}

function NodesTable({ nodes }: { nodes: readonly NodeDto[] }) {
  return (
    <div className="grid-scroll">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">Node</th>
            <th scope="col">State</th>
            <th scope="col">URL</th>
            <th scope="col">Version</th>
            <th scope="col">Last heartbeat</th>
            <th scope="col">Work held</th>
          </tr>
        </thead>
        <tbody>
          {nodes.map((node) => {
            const look = NODE_STATES[node.state];
            return (
              <tr key={node.id}>
                <th scope="row">
                  <code>{node.id}</code>
                </th>
                <td>
                  <span className={`badge badge-${look.tone}`}>
                    <span aria-hidden="true">{look.symbol}</span> {look.label}
                  </span>
                </td>
                <td>{node.url ?? <span className="muted">—</span>}</td>
                <td>{node.version}</td>
                <td>
                  <TimeAgo at={node.heartbeatAt} />
                </td>
                <td>
                  {node.deployments.length === 0 ? (
                    <span className="muted">none</span>
                  ) : (
                    <ul className="node-work">
                      {node.deployments.map((id) => (
                        <li key={id}>
                          <Link to={`/deployments/${encodeURIComponent(id)}`}>{id}</Link>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
