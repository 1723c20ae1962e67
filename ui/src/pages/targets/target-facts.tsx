import type { Facts } from '../../../../src/client/api-client.js';
import { TimeAgo } from '../../components/time-ago.js';
import { formatBytes } from '../../components/byte-size.js';

/** 273_600 → "3 d 4 h". */
function formatUptime(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  return `${minutes} min`;
}

/** Everything the machine last reported about itself. */
export function TargetFacts({ facts, reportedAt }: { facts: Facts; reportedAt: string | null }) {
  return (
    <>
      {reportedAt && (
        <p className="muted">
          Reported <TimeAgo at={reportedAt} />.
        </p>
      )}
      <dl className="target-details">
        <dt>Hostname</dt>
        <dd>{facts.hostname}</dd>
        <dt>Operating system</dt>
        <dd>
          {facts.os.name} {facts.os.version}
        </dd>
        <dt>Kernel</dt>
        <dd>{facts.kernel}</dd>
        <dt>Architecture</dt>
        <dd>{facts.architecture}</dd>
        <dt>CPUs</dt>
        <dd>{facts.cpus}</dd>
        <dt>Memory</dt>
        <dd>{formatBytes(facts.memoryBytes)}</dd>
        <dt>Disks</dt>
        <dd>
          {facts.disks.length === 0 ? (
            <span className="muted">none reported</span>
          ) : (
            <ul className="fact-list">
              {facts.disks.map((disk) => (
                <li key={disk.mount}>
                  <code>{disk.mount}</code>: {formatBytes(disk.freeBytes)} free of {formatBytes(disk.sizeBytes)}
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>Addresses</dt>
        <dd>{facts.addresses.length === 0 ? <span className="muted">none reported</span> : facts.addresses.join(', ')}</dd>
        <dt>Packages</dt>
        <dd>
          {facts.packages.length === 0 ? (
            <span className="muted">none reported</span>
          ) : (
            <details>
              <summary>{facts.packages.length === 1 ? '1 package' : `${facts.packages.length} packages`}</summary>
              <div className="target-packages">
                <table>
                  <caption className="visually-hidden">Installed packages</caption>
                  <thead>
                    <tr>
                      <th scope="col">Package</th>
                      <th scope="col">Version</th>
                    </tr>
                  </thead>
                  <tbody>
                    {facts.packages.map((item) => (
                      <tr key={`${item.name} ${item.version}`}>
                        <td>{item.name}</td>
                        <td>
                          <code>{item.version}</code>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          )}
        </dd>
        <dt>Agent version</dt>
        <dd>{facts.agentVersion}</dd>
        <dt>Uptime</dt>
        <dd>{formatUptime(facts.uptimeSeconds)}</dd>
      </dl>
    </>
  );
}
