import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeploymentDto } from '../../src/protocol/api.js';
import type { ChangeDto, ChangeEventDto } from '../../src/protocol/changes-api.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * Issue 7: scheduled changes are engine work too. Two nodes on one PostgreSQL both run the change
 * calendar; when the windows of several scheduled changes open, each change starts exactly one
 * deployment (the change's row version decides which node's start counts) and goes to review once.
 */
const APPS = ['race-a', 'race-b', 'race-c'];

describe('scheduled changes with two nodes on one PostgreSQL', () => {
  let database: TestDatabase;
  const nodes: TestGantry[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-nodes-'));
    // No votes needed: a submitted change is scheduled at once.
    const settingsFile = join(dataDir, 'change-settings.yaml');
    writeFileSync(settingsFile, 'approvals: { rules: [], otherwise: { name: pre-approved, requirements: [] } }\n');
    // The two nodes share the data directory only for the master key and the admin token; the store is PostgreSQL.
    for (let index = 0; index < 2; index++) nodes.push(await startTestGantry({ postgresUrl: database.postgresUrl!, dataDir, env: { GANTRY_CHANGE_SETTINGS: settingsFile } }));
    // One target per application, so that the changes' windows do not collide on a machine.
    for (const app of APPS) await nodes[0]!.addTarget({ name: `${app}-1`, labels: { app }, local: { root: mkdtempSync(join(tmpdir(), `gantry-${app}-`)) } });
  }, 120_000);
  afterAll(async () => {
    for (const node of nodes) await node.close();
    await database?.drop();
  });

  it('starts each scheduled change once, whichever node gets there first', async () => {
    const [first, second] = nodes as [TestGantry, TestGantry];
    const start = new Date(Date.now() + 4000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    const changes: ChangeDto[] = [];
    for (const app of APPS) {
      await first.apply(`app: ${app}\nenvironments:\n  - { name: production, targets: { app: ${app} }, protected: true }\nstrategy: { type: allAtOnce }\n`);
      await first.release(app, '1.0.0', makeBuildDir({ VERSION: app }));
      const created = await first.api<ChangeDto>('POST', '/changes', {
        app,
        version: '1.0.0',
        environment: 'production',
        plan: { goals: ['race'], window: { start, end }, autoStart: true, risks: [], checklist: [] },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      const submitted = await second.api<ChangeDto>('POST', `/changes/${created.body.id}/submit`);
      expect(submitted.body.state, JSON.stringify(submitted.body)).toBe('scheduled');
      changes.push(submitted.body);
    }

    for (const change of changes) {
      let state = change.state;
      for (let tries = 0; state !== 'review' && tries < 300; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = (await first.api<ChangeDto>('GET', `/changes/${change.id}`)).body.state;
      }
      expect(state, change.id).toBe('review');
      const history = (await second.api<{ events: ChangeEventDto[] }>('GET', `/changes/${change.id}/history`)).body.events;
      expect(history.filter((event) => event.type === 'change:started'), change.id).toHaveLength(1);
      const deployments = (await first.api<{ deployments: DeploymentDto[] }>('GET', `/deployments?app=${change.app}`)).body.deployments;
      expect(deployments.map((deployment) => deployment.state), change.app).toEqual(['succeeded']);
    }
  }, 120_000);
});
