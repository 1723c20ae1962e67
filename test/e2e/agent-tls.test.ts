/**
 * A server that serves TLS with a self-signed certificate: the agent enrols only with its
 * fingerprint pinned, and trusts nothing else afterwards — never the certificate on first use.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, request, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchPinnedCertificate, normaliseFingerprint, pinnedTlsOptions } from '../../src/agent/server-pin.js';
import type { AgentTokenDto, TargetDto } from '../../src/protocol/api.js';
import { startAgent } from '../support/agent-process.js';
import { startTestGantry, type TestGantry } from '../support/gantry-server.js';

/** A self-signed certificate for 127.0.0.1, made by openssl. */
function selfSigned(dir: string, name: string): { certFile: string; keyFile: string; cert: string; fingerprint: string } {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '1', '-subj', `/CN=${name}`, '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const cert = readFileSync(certFile, 'utf8');
  return { certFile, keyFile, cert, fingerprint: new X509Certificate(cert).fingerprint256 };
}

describe('agents and a TLS server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-tls-'));
  const good = selfSigned(dir, 'gantry');
  const other = selfSigned(dir, 'impostor');
  let gantry: TestGantry;
  let impostor: Server;
  const running: ChildProcess[] = [];

  beforeAll(async () => {
    gantry = await startTestGantry({ env: { GANTRY_TLS_CERT_FILE: good.certFile, GANTRY_TLS_KEY_FILE: good.keyFile, GANTRY_AGENT_HEARTBEAT_MS: '300' } });
    impostor = createHttpsServer({ cert: other.cert, key: readFileSync(other.keyFile) }, (_request, response) => response.end('{}'));
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const child of running) if (child.exitCode === null) child.kill('SIGKILL');
    await gantry?.close();
    impostor?.close();
  });

  /** The API over HTTPS, trusting the test's certificate. */
  function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return new Promise((resolve, reject) => {
      const headers = { authorization: `Bearer ${gantry.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
      const req = request(`${gantry.url}/api/v1${path}`, { method, ca: good.cert, headers }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as T }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
  const createToken = async () => (await api<AgentTokenDto>('POST', '/agent-tokens', {})).body;

  it('serves https and gives the certificate fingerprint with every enrolment token', async () => {
    expect(gantry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect((await createToken()).serverFingerprint).toBe(good.fingerprint);
  });

  it('refuses to enrol without a pin or with the wrong one, leaving the token unused; enrols with the right one and stays pinned', async () => {
    const { token } = await createToken();
    const unpinned = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-')), '--name', 'tls-1']);
    running.push(unpinned.child);
    expect(await unpinned.exited).toBe(5);
    expect(unpinned.output()).toContain('SERVER_CERTIFICATE_UNTRUSTED');
    expect(unpinned.output()).toContain('--server-fingerprint');

    const wrong = startAgent(gantry, ['--enrol', token, '--dir', mkdtempSync(join(tmpdir(), 'gantry-agent-')), '--name', 'tls-1', '--server-fingerprint', other.fingerprint]);
    running.push(wrong.child);
    expect(await wrong.exited).toBe(5);
    expect(wrong.output()).toContain('SERVER_CERTIFICATE_MISMATCH');
    expect(wrong.output()).not.toContain(token);

    const agentDir = mkdtempSync(join(tmpdir(), 'gantry-agent-'));
    const pinned = startAgent(gantry, ['--enrol', token, '--dir', agentDir, '--name', 'tls-1', '--server-fingerprint', `sha256:${good.fingerprint.replace(/:/g, '').toLowerCase()}`]);
    running.push(pinned.child);
    for (let i = 0; i < 200 && (await api<TargetDto>('GET', '/targets/tls-1')).body.online !== true; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await api<TargetDto>('GET', '/targets/tls-1')).body).toMatchObject({ transport: 'agent', online: true });
    const config = JSON.parse(readFileSync(join(agentDir, 'agent.json'), 'utf8')) as { serverPin: { fingerprint: string; certificate: string } };
    expect(config.serverPin.fingerprint).toBe(good.fingerprint);
    expect(new X509Certificate(config.serverPin.certificate).fingerprint256).toBe(good.fingerprint);
    pinned.child.kill('SIGTERM');
    expect(await pinned.exited).toBe(0);
  }, 20_000);

  it('the pinned TLS options accept only the pinned certificate, whatever the CA store says', async () => {
    const port = (impostor.address() as { port: number }).port;
    await expect(fetchPinnedCertificate(`https://127.0.0.1:${port}`, good.fingerprint)).rejects.toMatchObject({ code: 'SERVER_CERTIFICATE_MISMATCH' });
    const pin = await fetchPinnedCertificate(`https://127.0.0.1:${port}`, other.fingerprint);
    const get = (fingerprint: string, certificate: string) =>
      new Promise<number>((resolve, reject) => {
        const options = pinnedTlsOptions({ fingerprint, certificate });
        request(`https://127.0.0.1:${port}/`, { ca: options.ca, checkServerIdentity: options.checkServerIdentity, agent: false }, (response) => resolve(response.statusCode ?? 0))
          .on('error', reject)
          .end();
      });
    expect(await get(pin.fingerprint, pin.certificate)).toBe(200);
    // The right certificate as trust anchor but another fingerprint pinned: refused.
    await expect(get(good.fingerprint, pin.certificate)).rejects.toMatchObject({ code: 'SERVER_CERTIFICATE_MISMATCH' });
    // Another certificate as the only trust anchor: refused by TLS itself.
    await expect(get(other.fingerprint, good.cert)).rejects.toThrow();
    expect(() => normaliseFingerprint('sha256:1234')).toThrow(/not a SHA-256 fingerprint/);
  });
});
