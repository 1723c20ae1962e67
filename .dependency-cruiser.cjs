/**
 * The layering rules of DESIGN.md §2, enforced in `npm test`:
 * core imports nothing of ours; engine only core; nothing imports server, cli or main;
 * cli reaches the server only through client; SQL stays in store; the agent loads only
 * agent, core and protocol code, plus the local transport it runs commands with: local.ts and
 * the three files it is made of (which import src/engine/ports.ts for types only, erased at
 * build time; test/agent/imports.test.ts checks what the agent loads transitively). The metric
 * providers of src/analysis/ are adapters: they see core, the engine's MetricReader port and the
 * outbound (SSRF) guard of src/outbound/, and only main wires them in. The web UI (ui/src) runs in
 * browsers and reaches the server only through src/client.
 */
const layer = (name) => `^src/${name}/`;
const AGENT_LOCAL_TRANSPORT = ['^src/executors/local\\.ts$', '^src/executors/target-shell\\.ts$', '^src/executors/output-capture\\.ts$', '^src/executors/script-input\\.ts$'];

module.exports = {
  forbidden: [
    { name: 'core-is-pure', severity: 'error', from: { path: layer('core') }, to: { path: '^src/', pathNot: layer('core') } },
    { name: 'core-has-no-io', severity: 'error', from: { path: layer('core') }, to: { dependencyTypes: ['core'], pathNot: '^(node:)?(url)$' } },
    { name: 'engine-uses-ports', severity: 'error', from: { path: layer('engine') }, to: { path: '^src/', pathNot: [layer('engine'), layer('core')] } },
    { name: 'engine-no-drivers', severity: 'error', from: { path: layer('engine') }, to: { path: 'node_modules/(kysely|better-sqlite3|pg|ssh2|fastify)' } },
    { name: 'nothing-imports-server', severity: 'error', from: { pathNot: [layer('server'), layer('main')] }, to: { path: layer('server') } },
    { name: 'nothing-imports-cli', severity: 'error', from: { pathNot: layer('cli') }, to: { path: layer('cli') } },
    { name: 'nothing-imports-main', severity: 'error', from: { pathNot: [layer('main'), layer('cli')] }, to: { path: layer('main') } },
    { name: 'cli-through-client', severity: 'error', from: { path: layer('cli') }, to: { path: '^src/', pathNot: [layer('cli'), layer('client'), layer('core'), layer('protocol'), layer('main')] } },
    { name: 'client-only-wire', severity: 'error', from: { path: layer('client') }, to: { path: '^src/', pathNot: [layer('client'), layer('core'), layer('protocol'), layer('artifacts')] } },
    { name: 'sql-in-store', severity: 'error', from: { pathNot: layer('store') }, to: { path: 'node_modules/(kysely|better-sqlite3|pg)/', dependencyTypesNot: ['type-only'] } },
    { name: 'server-calls-app', severity: 'error', from: { path: layer('server') }, to: { path: [layer('store'), layer('engine'), layer('executors')] } },
    { name: 'agent-stays-small', severity: 'error', from: { path: layer('agent') }, to: { path: '^src/', pathNot: [layer('agent'), layer('core'), layer('protocol'), ...AGENT_LOCAL_TRANSPORT] } },
    { name: 'agent-no-server-libraries', severity: 'error', from: { path: layer('agent') }, to: { path: 'node_modules/(fastify|@fastify|kysely|better-sqlite3|pg|ssh2|pino)/' } },
    { name: 'analysis-providers-are-adapters', severity: 'error', from: { path: layer('analysis') }, to: { path: '^src/', pathNot: [layer('analysis'), layer('core'), layer('outbound'), '^src/engine/analysis/metric-port\\.ts$'] } },
    { name: 'analysis-providers-wired-in-main', severity: 'error', from: { path: '^src/', pathNot: [layer('analysis'), layer('main')] }, to: { path: layer('analysis') } },
    { name: 'notify-channels-are-adapters', severity: 'error', from: { path: layer('notify') }, to: { path: '^src/', pathNot: [layer('notify'), layer('core'), layer('outbound')] } },
    { name: 'notify-channels-wired-in-main', severity: 'error', from: { path: '^src/', pathNot: [layer('notify'), layer('main')] }, to: { path: layer('notify'), dependencyTypesNot: ['type-only'] } },
    { name: 'ui-through-client', severity: 'error', from: { path: '^ui/src/' }, to: { path: '^src/', pathNot: layer('client') } },
    { name: 'ui-runs-in-browsers', severity: 'error', from: { path: '^ui/src/' }, to: { dependencyTypes: ['core'] } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, dependencyTypesNot: ['type-only'] } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.tsx?$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js'] },
  },
};
