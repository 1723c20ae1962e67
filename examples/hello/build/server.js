// The sample service: answers /healthz and greets with the settings rendered into app.env.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const settings = Object.fromEntries(
  readFileSync(new URL('./app.env', import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.includes('='))
    .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
);
const release = process.env.GANTRY_RELEASE ?? 'unknown';

createServer((request, response) => {
  if (request.url === '/healthz') return response.end('ok\n');
  response.end(`${settings.GREETING}: release ${release} on ${process.env.GANTRY_TARGET}\n`);
}).listen(Number(settings.PORT), '127.0.0.1');

process.on('SIGTERM', () => {
  console.log(`${new Date().toISOString()} release ${release} stopping (SIGTERM)`);
  process.exit(0);
});
console.log(`${new Date().toISOString()} release ${release} listening on ${settings.PORT}`);
