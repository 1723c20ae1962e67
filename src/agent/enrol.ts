/**
 * Enrolment: one POST with the one-time token and the agent's public key. Runs only while the
 * agent has no identity yet. The token is never logged and never appears in an error message.
 */
import { AGENT_EXIT_CODES, AgentFailure } from './failure.js';
import { enrolResponseSchema, type EnrolRequest } from '../protocol/agent.js';
import { problemSchema } from '../protocol/api.js';
import { enrolUrl } from './server-url.js';

export interface EnrolOptions {
  /** The normalised server base URL (normaliseServerUrl). */
  readonly server: string;
  readonly token: string;
  readonly name: string;
  readonly publicKey: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The absolute directory releases will live in on this machine (`<agentDir>/apps`). */
  readonly root: string;
  readonly signal?: AbortSignal | undefined;
  readonly timeoutMs?: number | undefined;
  /** Replaces the global fetch (tests). */
  readonly fetch?: typeof fetch | undefined;
}

export interface Enrolment {
  /** The name the server registered the target under. */
  readonly name: string;
  /** The target's labels (the token's labels win over the agent's own). */
  readonly labels: Record<string, string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** The Node reason for a failed fetch (ECONNREFUSED, …) from its cause chain, else the innermost message. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    message = current.message;
    current = current.cause;
  }
  return message;
}

/** Registers the agent's public key. Throws an AgentFailure the caller prints; rethrows the caller's abort. */
export async function enrol(options: EnrolOptions): Promise<Enrolment> {
  const url = enrolUrl(options.server);
  const redact = (text: string) => (options.token ? text.split(options.token).join('[redacted]') : text);
  const body: EnrolRequest = { token: options.token, name: options.name, publicKey: options.publicKey, labels: { ...options.labels }, root: options.root };
  const timeout = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      redirect: 'error',
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (options.signal?.aborted) throw error;
    const reason = timeout.aborted ? 'timed out' : networkReason(error);
    if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(reason)) {
      throw new AgentFailure(
        'SERVER_CERTIFICATE_UNTRUSTED',
        `this machine does not trust the TLS certificate of ${options.server} [${reason}]: pin it with --server-fingerprint (printed by \`gantry agent token create\`)`,
        AGENT_EXIT_CODES.denied,
        { cause: error },
      );
    }
    throw new AgentFailure('SERVER_UNREACHABLE', `cannot reach the Gantry server at ${options.server} to enrol [${redact(reason)}]`, AGENT_EXIT_CODES.unavailable, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.ok) {
    const parsed = enrolResponseSchema.safeParse(json);
    if (!parsed.success) throw new AgentFailure('INTERNAL', `the server's answer to enrolment does not have the expected shape; are the agent and the server the same Gantry version?`, AGENT_EXIT_CODES.failed);
    return parsed.data;
  }
  const problem = problemSchema.safeParse(json);
  const code = problem.success ? problem.data.code : undefined;
  const detail = problem.success ? redact(problem.data.detail).replace(/\s*\r?\n\s*/g, '; ') : `HTTP ${response.status}`;
  switch (code) {
    case 'ENROLMENT_TOKEN_INVALID':
      throw new AgentFailure(code, 'the server refused the enrolment token: it is unknown, already used or expired (create a new one with `gantry agent token create`)', AGENT_EXIT_CODES.denied);
    case 'TARGET_EXISTS':
      throw new AgentFailure(code, `a target named "${options.name}" already exists on the server; choose another --name`, AGENT_EXIT_CODES.conflict);
    case 'REQUEST_INVALID':
    case 'NAME_INVALID':
      throw new AgentFailure(code, `the server refused the enrolment request: ${detail}`, AGENT_EXIT_CODES.invalid);
    default:
      break;
  }
  const what = `enrolment failed: ${detail}${code ? ` (${code})` : ''}`;
  if (response.status === 401 || response.status === 403) throw new AgentFailure(code ?? 'ENROLMENT_TOKEN_INVALID', what, AGENT_EXIT_CODES.denied);
  if (response.status === 404) throw new AgentFailure(code ?? 'ROUTE_NOT_FOUND', `${what}; does this server support agents?`, AGENT_EXIT_CODES.failed);
  if (response.status === 409) throw new AgentFailure(code ?? 'TARGET_EXISTS', what, AGENT_EXIT_CODES.conflict);
  if (response.status === 502 || response.status === 503 || response.status === 504) throw new AgentFailure(code ?? 'SERVER_UNREACHABLE', what, AGENT_EXIT_CODES.unavailable);
  if (response.status >= 400 && response.status < 500) throw new AgentFailure(code ?? 'REQUEST_INVALID', what, AGENT_EXIT_CODES.invalid);
  throw new AgentFailure(code ?? 'INTERNAL', what, AGENT_EXIT_CODES.failed);
}
