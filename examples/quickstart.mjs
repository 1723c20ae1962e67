#!/usr/bin/env node
// `npm run quickstart`: starts Gantry with its embedded defaults (SQLite, local targets),
// registers three local targets, applies the sample app, deploys 1.0.0 then 2.0.0 with a
// rolling strategy while printing progress, and shows the final status. Everything it
// creates lives in one temporary folder, printed at the start and at the end.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const gantryBin = join(repo, 'bin', 'gantry.js');
const example = join(repo, 'examples', 'hello');
const home = mkdtempSync(join(tmpdir(), 'gantry-quickstart-'));
const dataDir = join(home, 'server-data');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A fresh connection each time (no keep-alive pool), so a restarted service is really asked. */
function greeting(port) {
  return new Promise((resolve) => {
    get({ host: '127.0.0.1', port, path: '/', agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve(body.trim()));
    }).on('error', (error) => resolve(`unreachable: ${error.message}`));
  });
}

function step(text) {
  process.stdout.write(`\n\u001b[1m== ${text}\u001b[0m\n`);
}

let env = { ...process.env };
function gantry(...args) {
  process.stdout.write(`$ gantry ${args.join(' ')}\n`);
  execFileSync(process.execPath, [gantryBin, ...args], { stdio: 'inherit', env });
}

const serverPort = await freePort();
const appPorts = [await freePort(), await freePort(), await freePort()];
step(`Starting gantry serve (data in ${dataDir})`);
const serverLog = openSync(join(home, 'server.log'), 'a');
const server = spawn(process.execPath, [gantryBin, 'serve', '--data', dataDir, '--listen', `127.0.0.1:${serverPort}`], { stdio: ['ignore', serverLog, serverLog] });
const url = `http://127.0.0.1:${serverPort}`;
for (let attempt = 0; ; attempt++) {
  if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
  if (server.exitCode !== null || attempt > 100) {
    process.stderr.write(readFileSync(join(home, 'server.log'), 'utf8'));
    throw new Error('gantry serve did not start');
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
env = { ...env, GANTRY_URL: url, GANTRY_TOKEN: readFileSync(join(dataDir, 'admin.token'), 'utf8').trim() };
console.log(`serving on ${url}; admin token saved in ${join(dataDir, 'admin.token')}`);

let exitCode = 0;
try {
  step('Registering three local targets');
  for (const [index] of appPorts.entries()) {
    const root = join(home, 'targets', `hello-${index + 1}`);
    mkdirSync(root, { recursive: true });
    gantry('target', 'add', `hello-${index + 1}`, '--local', root, '--label', 'app=hello');
  }
  gantry('target', 'list');

  step('Applying the sample application (examples/hello/gantry.yaml, with free ports)');
  const manifestPath = join(home, 'gantry.yaml');
  const manifest = readFileSync(join(example, 'gantry.yaml'), 'utf8')
    .replace('default: "7501"', `default: "${appPorts[0]}"`)
    .replace('hello-2: "7502"', `hello-2: "${appPorts[1]}"`)
    .replace('hello-3: "7503"', `hello-3: "${appPorts[2]}"`);
  writeFileSync(manifestPath, manifest);
  gantry('validate', '-f', manifestPath);
  gantry('apply', '-f', manifestPath);

  for (const version of ['1.0.0', '2.0.0']) {
    step(`Releasing and deploying ${version}`);
    gantry('release', 'create', 'hello', version, '--path', join(example, 'build'), '--notes', `sample release ${version}`);
    gantry('deploy', 'hello', version, '--to', 'local', '--wait');
    for (const port of appPorts) {
      console.log(`  http://127.0.0.1:${port}/ → ${await greeting(port)}`);
    }
  }

  step('Final status');
  gantry('status', 'hello');
  gantry('deployments', 'hello');
} catch (error) {
  exitCode = 1;
  console.error(`quickstart failed: ${error.message}`);
} finally {
  step('Stopping the sample services and the server');
  for (const [index] of appPorts.entries()) {
    const pidFile = join(home, 'targets', `hello-${index + 1}`, 'hello', 'run', 'hello.pid');
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
      } catch {
        // already stopped
      }
    }
  }
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  console.log(`Done. The server's data, the targets and server.log are in ${home}`);
}
process.exitCode = exitCode;
