import type { Kysely } from 'kysely';
import { transitionDeployment } from '../core/deployment/deployment-machine.js';
import type { DeploymentStore } from '../engine/ports.js';
import { getApplication } from './applications.repository.js';
import type { StoreCapabilities } from './capabilities.js';
import * as deployments from './deployments.repository.js';
import { getRelease } from './releases.repository.js';
import type { Database } from './schema.js';
import { listTargets } from './targets.repository.js';

/** The engine's port, implemented over the repositories. */
export function createDeploymentStore(db: Kysely<Database>, capabilities: Pick<StoreCapabilities, 'skipLocked'>): DeploymentStore {
  return {
    claimDeployment: (owner, times) => deployments.claimDeployment(db, owner, times, capabilities),
    renewLease: (lease, leaseExpiresAt) => deployments.renewLease(db, lease, leaseExpiresAt),
    expireLeases: (ownerPrefix, now) => deployments.expireLeases(db, ownerPrefix, now),
    async loadDeployment(id) {
      const deployment = deployments.assertDeploymentFound(await deployments.getDeployment(db, id), id);
      return { deployment, tasks: await deployments.listTasks(db, id) };
    },
    readControl: (id) => deployments.readControl(db, id),
    liveSlot: (app, environment) => deployments.liveSlot(db, app, environment),
    getApplication: (name) => getApplication(db, name),
    getRelease: (app, version) => getRelease(db, app, version),
    listTargets: () => listTargets(db),
    recordDeployment: (lease, change, events, at, newTasks) => deployments.recordDeployment(db, lease, change, events, at, newTasks),
    recordTask: (lease, taskId, change, events, at) => deployments.recordTask(db, lease, taskId, change, events, at),
    appendLogs: (lines) => deployments.appendLogs(db, lines),
    recordMeasurement: (lease, gate, measurement) => deployments.recordMeasurement(db, lease, gate, measurement),
    quarantineDeployment: (lease, reason, at) =>
      // The stored state is unreadable, so the change is written without reading it back.
      deployments.recordDeployment(db, lease, { state: transitionDeployment('running', 'fail'), reason, finishedAt: at }, [{ type: 'deployment:quarantined', data: { reason } }], at),
  };
}
