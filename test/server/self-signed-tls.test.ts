import { readFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry } from '../../src/main/serve.js';

/** GET over HTTPS trusting only `ca`: the certificate must name 127.0.0.1 for this to succeed. */
function getTrusting(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const call = request(url, { ca, timeout: 5000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    call.on('error', reject);
    call.end();
  });
}

it('--tls-self-signed serves HTTPS with a certificate kept in the data dir, the same across restarts', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-tls-'));
  try {
    const config = loadServerConfig({ dataDir, listen: '127.0.0.1:0', tlsSelfSigned: true }, {});
    const first = await startGantry(config, { logger: pino({ level: 'silent' }) });
    const certificate = readFileSync(join(dataDir, 'tls', 'self-signed.crt'), 'utf8');
    expect(statSync(join(dataDir, 'tls', 'self-signed.key')).mode & 0o777).toBe(0o600);
    expect(first.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(await getTrusting(`${first.url}/healthz`, certificate)).toBe(200);
    const fingerprint = first.tlsFingerprint;
    await first.close();

    const second = await startGantry(config, { logger: pino({ level: 'silent' }) });
    expect(second.tlsFingerprint).toBe(fingerprint);
    await second.close();

    expect(() => loadServerConfig({ dataDir, tlsSelfSigned: true, tlsCert: 'a.pem', tlsKey: 'b.pem' }, {})).toThrow(/--tls-self-signed makes its own certificate/);
    expect(() => loadServerConfig({ dataDir, tlsCert: 'a.pem' }, {})).toThrow(/set both --tls-cert and --tls-key/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
