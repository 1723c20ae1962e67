import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import * as client from 'openid-client';
import type { OidcIdentity } from '../app/oidc-login.js';
import { GantryError } from '../core/errors.js';

/**
 * OIDC single sign-on, authorization code flow with PKCE (openid-client does the protocol and
 * the ID token checks: issuer, audience, expiry, nonce, signature algorithm). What the login
 * must remember until the provider sends the browser back (state, nonce, PKCE verifier) travels
 * in a short-lived cookie signed with a key derived from the client secret, so the callback may
 * reach any node of a cluster.
 */
export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The callback URL as the provider sees it. */
  readonly redirectUrl: string;
  readonly groupsClaim: string;
  readonly scopes: string;
}

export const OIDC_STATE_COOKIE = 'gantry_oidc';
/** How long a login may take at the provider. */
export const OIDC_STATE_MS = 10 * 60_000;

export interface OidcLoginState {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** Epoch milliseconds after which the callback is refused. */
  readonly expiresAt: number;
}

function failed(why: string): GantryError {
  return new GantryError('OIDC_LOGIN_FAILED', why, { where: 'oidc' });
}

function stateKey(clientSecret: string): Buffer {
  return createHash('sha256').update(`gantry-oidc-state\0${clientSecret}`).digest();
}

/** The state cookie's value: the state as base64url JSON, a dot, its HMAC-SHA256. */
export function signLoginState(clientSecret: string, state: OidcLoginState): string {
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${createHmac('sha256', stateKey(clientSecret)).update(payload).digest('base64url')}`;
}

/** The state from a cookie this server (or another node with the same secret) signed, unexpired. */
export function readLoginState(clientSecret: string, cookie: string | undefined, now: number): OidcLoginState {
  const [payload, signature, ...rest] = (cookie ?? '').split('.');
  if (!payload || !signature || rest.length > 0) throw failed('the login state cookie is missing: start again at /api/v1/auth/oidc/login');
  const expected = createHmac('sha256', stateKey(clientSecret)).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw failed('the login state cookie is not one this server signed');
  let state: OidcLoginState;
  try {
    state = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as OidcLoginState;
  } catch {
    throw failed('the login state cookie cannot be read');
  }
  if (typeof state.expiresAt !== 'number' || state.expiresAt <= now) throw failed('the login took too long (the state expired): start again at /api/v1/auth/oidc/login');
  return state;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The provider's configuration, discovered once (and again after a failure). */
export class OidcClient {
  private discovered: Promise<client.Configuration> | null = null;

  constructor(readonly settings: OidcSettings) {}

  private configuration(): Promise<client.Configuration> {
    if (this.discovered === null) {
      // Plain HTTP only for a provider on this machine (tests, development).
      const insecure = new URL(this.settings.issuer).protocol === 'http:' && LOOPBACK.has(new URL(this.settings.issuer).hostname);
      // Non-repudiation checks: the ID token's signature is verified against the provider's
      // published keys too, not only trusted because it came over TLS from the token endpoint.
      this.discovered = client
        .discovery(new URL(this.settings.issuer), this.settings.clientId, this.settings.clientSecret, undefined, {
          execute: insecure ? [client.allowInsecureRequests, client.enableNonRepudiationChecks] : [client.enableNonRepudiationChecks],
        });
      this.discovered.catch(() => {
        this.discovered = null;
      });
    }
    return this.discovered.catch((error: unknown) => {
      throw new GantryError('OIDC_PROVIDER_UNAVAILABLE', `the OIDC provider ${this.settings.issuer} cannot be reached or described`, { where: 'oidc' }, { cause: error });
    });
  }

  /** Where to send the browser, and the state to remember until it comes back. */
  async start(now: number): Promise<{ url: string; state: OidcLoginState }> {
    const configuration = await this.configuration();
    const state: OidcLoginState = { state: client.randomState(), nonce: client.randomNonce(), verifier: client.randomPKCECodeVerifier(), expiresAt: now + OIDC_STATE_MS };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUrl,
      scope: this.settings.scopes,
      code_challenge: await client.calculatePKCECodeChallenge(state.verifier),
      code_challenge_method: 'S256',
      state: state.state,
      nonce: state.nonce,
    });
    return { url: url.href, state };
  }

  /** Redeems the code the provider sent back (query string of the callback) and reads who it vouches for. */
  async finish(query: string, state: OidcLoginState): Promise<OidcIdentity> {
    const configuration = await this.configuration();
    const callback = new URL(this.settings.redirectUrl);
    callback.search = query;
    let claims: client.IDToken | undefined;
    try {
      const tokens = await client.authorizationCodeGrant(configuration, callback, { pkceCodeVerifier: state.verifier, expectedState: state.state, expectedNonce: state.nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (error) {
      // The reason (wrong audience, expired, nonce, algorithm, …) goes to the server log, not to the browser.
      throw new GantryError('OIDC_LOGIN_FAILED', "the provider's answer failed a check (state, code or ID token): start again at /api/v1/auth/oidc/login", { where: 'oidc' }, { cause: error });
    }
    if (!claims) throw failed('the provider sent no ID token');
    const preferred = claims.preferred_username;
    const name = typeof preferred === 'string' && preferred !== '' ? preferred : claims.sub;
    const rawGroups = claims[this.settings.groupsClaim];
    const groups = Array.isArray(rawGroups) ? rawGroups.filter((group): group is string => typeof group === 'string') : [];
    const displayName = typeof claims.name === 'string' && claims.name.trim() !== '' ? claims.name.trim().slice(0, 200) : null;
    return { name, displayName, groups };
  }
}
