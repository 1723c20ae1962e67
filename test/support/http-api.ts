import { Readable } from 'node:stream';
import { packDirectory } from '../../src/artifacts/pack-directory.js';
import type { DeploymentDetailDto, EventDto, QueuedDeploymentDto } from '../../src/protocol/api.js';

const TERMINAL = new Set(['succeeded', 'failed', 'rolled_back', 'rollback_failed', 'cancelled']);

/** A small raw-HTTP view of the API for tests (the CLI's client is tested on its own). */
export function httpApi(url: string, token: string) {
  const api = async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const expectOk = <T>(result: { status: number; body: T }, what: string): T => {
    if (result.status >= 300) throw new Error(`${what} failed with ${result.status}: ${JSON.stringify(result.body)}`);
    return result.body;
  };
  const show = async (id: string) => expectOk(await api<DeploymentDetailDto>('GET', `/deployments/${id}`), 'deployment show');
  const events = async (id: string) => expectOk(await api<{ events: EventDto[] }>('GET', `/deployments/${id}/events`), 'events').events;
  return {
    api,
    show,
    events,
    async apply(manifest: string) {
      expectOk(await api('POST', '/applications', { manifest }), 'apply');
    },
    async addTarget(body: unknown) {
      expectOk(await api('POST', '/targets', body), 'target add');
    },
    async release(app: string, version: string, dir: string) {
      const response = await fetch(`${url}/api/v1/applications/${app}/releases/${version}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/gzip' },
        body: Readable.toWeb(packDirectory(dir)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      if (response.status !== 201) throw new Error(`release failed with ${response.status}: ${await response.text()}`);
    },
    async deploy(app: string, version: string, environment: string, force = false) {
      return expectOk(await api<QueuedDeploymentDto>('POST', '/deployments', { app, version, environment, force }), 'deploy');
    },
    /** Polls until the deployment is in a terminal state (bounded by `timeoutMs`). */
    async waitFor(id: string, timeoutMs = 60_000): Promise<DeploymentDetailDto> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answer = await api<DeploymentDetailDto>('GET', `/deployments/${id}`);
        // 503: the database could not be reached for this request (a restart): ask again.
        const detail = answer.status === 503 && Date.now() < deadline ? null : expectOk(answer, 'deployment show');
        if (detail && TERMINAL.has(detail.deployment.state)) return detail;
        if (detail && Date.now() > deadline) throw new Error(`deployment ${id} still ${detail.deployment.state} after ${timeoutMs}ms: ${JSON.stringify(detail.tasks)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    /** Polls the events until one matches (bounded), so a test can act at an exact point. */
    async waitForEvent(id: string, match: (event: EventDto) => boolean, timeoutMs = 30_000): Promise<EventDto> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = (await events(id)).find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching event on ${id} within ${timeoutMs}ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

export type HttpApi = ReturnType<typeof httpApi>;
