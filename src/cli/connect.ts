import { createApiClient, type ApiClient } from '../client/api-client.js';
import type { CommandContext } from './context.js';

/** The API client for the server named by --url/--token (or GANTRY_URL/GANTRY_TOKEN). */
export function connect(ctx: CommandContext): ApiClient {
  return createApiClient({ url: ctx.server.url, token: ctx.server.token });
}
