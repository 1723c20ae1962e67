/**
 * Composition root of `gantry agent`, the process that runs on a target. It loads only the
 * agent, the wire protocol and core (a lint rule keeps it that way): no HTTP server, no
 * database drivers, no SSH.
 */
export { runAgent } from '../agent/run-agent.js';
