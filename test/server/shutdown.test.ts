import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTestGantry } from '../support/gantry-server.js';
import { makeBuildDir } from '../support/release-dirs.js';

describe('shutting the server down', () => {
  it('ends open progress streams instead of waiting for the deployment, and leaves it to resume', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'gantry-shutdown-'));
    const first = await startTestGantry({ dataDir });
    await first.addTarget({ name: 'only', labels: { app: 'slow' }, local: { root: mkdtempSync(join(tmpdir(), 'gantry-slow-')) } });
    await first.apply(`app: slow
environments: [{ name: e, targets: { app: slow } }]
hooks: { afterInstall: 'if [ "$GANTRY_ATTEMPT" = 1 ]; then sleep 30; fi' }
`);
    await first.release('slow', '1', makeBuildDir({ a: '' }));
    const { deployment } = await first.deploy('slow', '1', 'e');
    await first.waitForEvent(deployment.id, (event) => event.type === 'task:step-started' && event.data.step === 'afterInstall');
    const stream = await fetch(`${first.url}/api/v1/deployments/${deployment.id}/stream`, { headers: { authorization: `Bearer ${first.token}` } });
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reading = stream.text().catch(() => 'closed');
    await first.gantry.close();
    await reading;
    // A restart on the same data resumes the interrupted step as attempt 2 and finishes.
    const second = await startTestGantry({ dataDir });
    const detail = await second.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('succeeded');
    const steps = (await second.events(deployment.id)).filter((event) => event.type === 'task:step-started' && event.data.step === 'afterInstall');
    expect(steps.map((event) => event.data.attempt)).toEqual([1, 2]);
    await second.close();
  });
});
