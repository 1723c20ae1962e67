/** The server's base URL as the agent is given it, and the two addresses derived from it. */
import { AGENT_CONNECT_PATH, AGENT_ENROL_PATH } from '../protocol/agent.js';
import { AGENT_EXIT_CODES, AgentFailure } from './failure.js';

/** `http(s)://host[:port][/prefix]` without a trailing slash; refuses anything else. */
export function normaliseServerUrl(url: string): string {
  const shown = JSON.stringify(url.length > 200 ? `${url.slice(0, 200)}…` : url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AgentFailure('REQUEST_INVALID', `--server ${shown} is not a URL (expected e.g. https://gantry.example.com)`, AGENT_EXIT_CODES.invalid);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new AgentFailure('REQUEST_INVALID', `--server ${shown} must start with http:// or https://`, AGENT_EXIT_CODES.invalid);
  }
  if (parsed.username || parsed.password || parsed.search || parsed.hash) {
    throw new AgentFailure('REQUEST_INVALID', `--server ${shown} must not contain credentials, a query or a fragment`, AGENT_EXIT_CODES.invalid);
  }
  return parsed.href.replace(/\/+$/, '');
}

export function enrolUrl(base: string): string {
  return `${base}${AGENT_ENROL_PATH}`;
}

/** ws:// for an http:// server, wss:// for https://, at the agent connect path. */
export function agentSocketUrl(base: string): string {
  const url = new URL(`${base}${AGENT_CONNECT_PATH}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}
