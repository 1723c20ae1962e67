import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

/** A person at the provider: their login name is their `sub`. */
export interface ProviderAccount {
  readonly name: string;
  readonly groups: readonly string[];
  readonly preferredUsername?: string;
}

/** Rewrites the ID token of the next token responses (header and claims), as a forger would. */
export type IdTokenForgery = (token: { header: Record<string, unknown>; claims: Record<string, unknown> }, signWithProviderKey: (header: Record<string, unknown>, claims: Record<string, unknown>) => string) => string;

export interface TestOidcProvider {
  readonly issuer: string;
  /** Set: the token endpoint's ID tokens pass through it. */
  forgery: IdTokenForgery | null;
  /** Adds the clients (they need the redirect URL, known once Gantry listens) and starts answering. */
  start(clients: readonly { id: string; secret: string; redirectUri: string }[]): void;
  close(): Promise<void>;
}

const KEY_ID = 'test-signing-key';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * A real OpenID Provider (`oidc-provider`, its development login and consent pages) on a
 * loopback port, signing with a key the test knows, so that a test can also mint tokens a
 * forger would: the provider's own signature on another client's audience, an expired token,
 * `alg: none`.
 */
export async function startTestOidcProvider(accounts: Record<string, ProviderAccount>): Promise<TestOidcProvider> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: KEY_ID, use: 'sig', alg: 'RS256' };
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const signWithProviderKey = (header: Record<string, unknown>, claims: Record<string, unknown>, key: KeyObject = createPrivateKey({ key: jwk as never, format: 'jwk' })) => {
    const data = `${b64(header)}.${b64(claims)}`;
    return `${data}.${sign('sha256', Buffer.from(data), key).toString('base64url')}`;
  };
  const fixture: TestOidcProvider = {
    issuer,
    forgery: null,
    start(clients) {
      const provider = new Provider(issuer, {
        clients: clients.map((client) => ({ client_id: client.id, client_secret: client.secret, redirect_uris: [client.redirectUri], grant_types: ['authorization_code'], response_types: ['code'] })),
        jwks: { keys: [jwk] },
        findAccount: async (_context: unknown, sub: string) => {
          const account = accounts[sub];
          if (!account) return undefined;
          return { accountId: sub, claims: async () => ({ sub, name: account.name, groups: [...account.groups], ...(account.preferredUsername ? { preferred_username: account.preferredUsername } : {}) }) };
        },
        claims: { openid: ['sub'], profile: ['name', 'preferred_username'], groups: ['groups'] },
        // The claims of the requested scopes go into the ID token (Gantry reads only that).
        conformIdTokenClaims: false,
        ttl: { Interaction: 600, Session: 600, Grant: 600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      });
      const handle = provider.callback();
      server.on('request', (request: IncomingMessage, response: ServerResponse) => {
        const forgery = fixture.forgery;
        if (forgery && request.method === 'POST' && request.url?.startsWith('/token')) {
          // Rewrite the ID token in the token response before it leaves.
          const chunks: Buffer[] = [];
          const end = response.end.bind(response);
          response.write = ((chunk: Buffer | string) => {
            chunks.push(Buffer.from(chunk));
            return true;
          }) as typeof response.write;
          response.end = ((chunk?: Buffer | string) => {
            if (chunk) chunks.push(Buffer.from(chunk));
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
            if (typeof body.id_token === 'string') {
              const [header, claims] = body.id_token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
              body.id_token = forgery({ header: header!, claims: claims! }, (h, c) => signWithProviderKey(h, c));
            }
            const text = JSON.stringify(body);
            response.setHeader('content-length', Buffer.byteLength(text));
            return end(text);
          }) as typeof response.end;
        }
        handle(request, response);
      });
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fixture;
}

/** An unsigned token with `alg: none`. */
export function unsignedToken(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${b64({ ...header, alg: 'none' })}.${b64(claims)}.`;
}

/** A browser's cookies, per name (enough for one provider host). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at).trim(), pair!.slice(at + 1).trim()];
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}

/**
 * Walks the provider's pages as a person would (log in as `login`, consent) from an
 * authorization URL until the provider redirects to `redirectPrefix`; returns that URL.
 */
export async function signInAtProvider(authorizationUrl: string, login: string, redirectPrefix: string): Promise<string> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  let method = 'GET';
  let body: string | undefined;
  for (let step = 0; step < 12; step += 1) {
    const response = await fetch(url, { method, redirect: 'manual', headers: { cookie: jar.header(), ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) }, ...(body === undefined ? {} : { body }) });
    jar.take(response);
    const location = response.headers.get('location');
    if (location?.startsWith(redirectPrefix)) return location;
    if (location) {
      [url, method, body] = [new URL(location, url).href, 'GET', undefined];
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`the provider answered ${response.status} without a form or redirect: ${html.slice(0, 300)}`);
    const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((match) => [match[1]!, match[2]!]));
    const form = html.includes('name="login"') ? { ...fields, login, password: 'any' } : fields;
    [url, method, body] = [new URL(action, url).href, 'POST', new URLSearchParams(form).toString()];
  }
  throw new Error('the provider did not redirect back within 12 steps');
}
