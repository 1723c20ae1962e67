import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadServerConfig } from '../../src/config/server-config.js';
import { startGantry, type RunningGantry } from '../../src/main/serve.js';
import type { DeploymentDetailDto, EventDto, LogLineDto } from '../../src/protocol/api.js';
import { captureIo } from '../cli/fake-server.js';
import { httpApi, type HttpApi } from '../support/http-api.js';
import { makeBuildDir } from '../support/release-dirs.js';

/**
 * T37/T38: a secret reaches the hook that needs it and nothing else — not even the target's
 * process list, since hook environments travel on stdin. The hook prints it raw, in
 * Base64, URL-encoded, split across two output chunks, under `set -x`, and inside a failing
 * command's error; none of it may reach the stored logs, the live stream, `gantry logs`, events,
 * the deployment's reason and errors, the API, the server's own log, or the database file and
 * its WAL. The secret holds `/+=&`, so its URL-encoded form differs from it.
 */
const SECRET = 'S3cr3t/Value+4=Gantry&Co';

const MANIFEST = `app: vault
environments: [{ name: prod, targets: { role: db } }]
config: [{ template: app.conf.tmpl, path: app.conf }]
hooks:
  afterActivate: |
    case "$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ')" in *"$DB_PASSWORD"*) echo 'process list: shows it';; *) echo 'process list: clean';; esac
    echo "raw: $DB_PASSWORD"
    printf 'b64: %s\\n' "$(printf %s "$DB_PASSWORD" | base64)"
    s=$DB_PASSWORD; u=; while [ -n "$s" ]; do c=\${s%"\${s#?}"}; s=\${s#?}; case $c in [A-Za-z0-9._~-]) u=$u$c;; *) u=$u$(printf '%%%02X' "'$c");; esac; done; echo "url: $u"
    head=\${DB_PASSWORD%????????}; printf 'split: %s' "$head"; sleep 0.3; printf '%s\\n' "\${DB_PASSWORD#"$head"}"
    set -x; : "$DB_PASSWORD"; set +x
    ls "/nonexistent/$DB_PASSWORD"
strategy: { type: allAtOnce }
`;

/** Every file under `dir`, as bytes. */
function filesUnder(dir: string): { path: string; bytes: Buffer }[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, bytes: readFileSync(path) }];
  });
}

const FORMS = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(SECRET).toString('base64url'), encodeURIComponent(SECRET), Buffer.from(SECRET).toString('hex')];

describe('secrets do not leak (T37, T38)', () => {
  let gantry: RunningGantry;
  let api: HttpApi;
  let dataDir: string;
  let targetRoot: string;
  const serverLog: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-secrets-'));
    targetRoot = mkdtempSync(join(tmpdir(), 'gantry-vault-'));
    const sink = new Writable({
      write(chunk, _encoding, done) {
        serverLog.push(String(chunk));
        done();
      },
    });
    gantry = await startGantry(loadServerConfig({ dataDir, listen: '127.0.0.1:0' }, { GANTRY_LEASE_MS: '3000', GANTRY_HEARTBEAT_MS: '500' }), {
      logger: pino({ level: 'debug' }, sink),
      engine: { pollMs: 100 },
    });
    api = httpApi(gantry.url, gantry.adminToken!);
    await api.addTarget({ name: 'db-1', labels: { role: 'db' }, local: { root: targetRoot } });
    await api.apply(MANIFEST);
    await api.release('vault', '1.0.0', makeBuildDir({ 'app.conf.tmpl': 'password={{ DB_PASSWORD }}\n' }));
    const stored = await api.api('PUT', '/applications/vault/secrets/DB_PASSWORD', { value: SECRET });
    expect(stored.status).toBe(204);
  });
  let closed = false;
  afterAll(async () => {
    if (!closed) await gantry?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(targetRoot, { recursive: true, force: true });
  });

  it('gives the hook and the config file the value, and masks it everywhere it is shown or stored', async () => {
    expect(encodeURIComponent(SECRET)).not.toBe(SECRET);
    const { deployment } = await api.deploy('vault', '1.0.0', 'prod');
    // The live stream, read as it is sent from the start until the deployment ends.
    const live = fetch(`${gantry.url}/api/v1/deployments/${deployment.id}/stream`, { headers: { authorization: `Bearer ${gantry.adminToken!}` } }).then((response) => response.text());
    const detail: DeploymentDetailDto = await api.waitFor(deployment.id);
    expect(detail.deployment.state).toBe('rolled_back');
    // It reached the target: the rendered config file has it (that is where it is meant to go).
    expect(readFileSync(join(targetRoot, 'vault', 'releases', '1.0.0', 'app.conf'), 'utf8')).toBe(`password=${SECRET}\n`);

    const logs = (await api.api<{ logs: LogLineDto[] }>('GET', `/deployments/${deployment.id}/logs`)).body.logs.map((line) => line.text);
    const events = (await api.api<{ events: EventDto[] }>('GET', `/deployments/${deployment.id}/events`)).body.events;
    // The hook did print it, in each form: each line is there, masked.
    expect(logs).toEqual(expect.arrayContaining(['raw: ***', 'b64: ***', 'url: ***', 'split: ***']));
    expect(logs.filter((line) => /^\+ : '?\*\*\*'?$/.test(line)), logs.join('\n')).toHaveLength(1);
    // Values reach the hook on its standard input, not its command line: no process shows them.
    expect(logs).toContain('process list: clean');
    expect(logs.some((line) => line.includes('/nonexistent/***'))).toBe(true);
    const shown = JSON.stringify({ logs, events, detail });
    expect(shown).toContain('/nonexistent/***');
    for (const form of FORMS) expect(shown).not.toContain(form);

    // The live stream and `gantry logs` (paged and followed) show the same lines, masked.
    const streamed = await live;
    expect(streamed).toMatch(/event: end\n/);
    const cli = async (...args: string[]) => {
      const io = captureIo();
      const code = await main(['node', 'gantry', 'logs', deployment.id, ...args, '--url', gantry.url, '--token', gantry.adminToken!], { ...io, env: {} });
      expect(code, io.err()).toBe(0);
      return io.out() + io.err();
    };
    for (const [what, output] of [['stream', streamed], ['gantry logs', await cli()], ['gantry logs --follow', await cli('--follow')]] as const) {
      for (const line of ['raw: ***', 'b64: ***', 'url: ***', 'split: ***', '/nonexistent/***']) expect(output, what).toContain(line);
      for (const form of FORMS) expect(output, `${what}: ${form}`).not.toContain(form);
    }

    // Nothing the API answers carries a value: not the secret list, not the application.
    const listed = await api.api('GET', '/applications/vault/secrets');
    expect(JSON.stringify(listed.body)).toContain('DB_PASSWORD');
    for (const form of FORMS) expect(JSON.stringify(listed.body)).not.toContain(form);

    // At rest while serving (the WAL holds the newest pages), and after the server closed.
    const atRest = () => {
      for (const { path, bytes } of filesUnder(dataDir)) {
        for (const form of FORMS) expect(bytes.includes(Buffer.from(form)), `${form} in ${path}`).toBe(false);
      }
    };
    expect(readdirSync(dataDir)).toContain('gantry.db-wal');
    atRest();
    await gantry.close();
    closed = true;
    atRest();
    const log = serverLog.join('');
    for (const form of FORMS) expect(log).not.toContain(form);
  });
});
