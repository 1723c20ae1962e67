import { describe, expect, it } from 'vitest';
import { loadServerConfig } from './server-config.js';

describe('GANTRY_OUTBOUND_ALLOW in the server configuration', () => {
  it('is parsed into the allow-list, and unset or blank means the default policy', () => {
    const config = loadServerConfig({}, { GANTRY_OUTBOUND_ALLOW: '10.0.0.0/8, *.example.com' });
    expect(config.outboundAllow?.entries.map((entry) => entry.text)).toEqual(['10.0.0.0/8', '*.example.com']);
    expect(loadServerConfig({}, {}).outboundAllow).toBeUndefined();
    expect(loadServerConfig({}, { GANTRY_OUTBOUND_ALLOW: ' ' }).outboundAllow).toBeUndefined();
  });

  it('stops the start naming the bad entry', () => {
    expect(() => loadServerConfig({}, { GANTRY_OUTBOUND_ALLOW: '10.0.0.0/8, 192.168.0.0/33' })).toThrow(
      'configuration outboundAllow: GANTRY_OUTBOUND_ALLOW entry "192.168.0.0/33": the prefix length must be 0 to 32',
    );
  });
});

describe('OIDC single sign-on in the server configuration', () => {
  const complete = {
    GANTRY_OIDC_ISSUER: 'https://login.example.com/realms/ops',
    GANTRY_OIDC_CLIENT_ID: 'gantry',
    GANTRY_OIDC_CLIENT_SECRET_FILE: '/etc/gantry/oidc-secret',
    GANTRY_OIDC_REDIRECT_URL: 'https://gantry.example.com/api/v1/auth/oidc/callback',
  };

  it('is off unless configured, and takes defaults for the claim and scopes', () => {
    expect(loadServerConfig({ dataDir: '/tmp/x' }, {}).oidc).toBeUndefined();
    const oidc = loadServerConfig({ dataDir: '/tmp/x' }, complete).oidc!;
    expect(oidc).toMatchObject({ clientId: 'gantry', groupsClaim: 'groups', scopes: 'openid profile email' });
  });

  it('stops the start when a part is missing', () => {
    expect(() => loadServerConfig({ dataDir: '/tmp/x' }, { GANTRY_OIDC_ISSUER: complete.GANTRY_OIDC_ISSUER })).toThrow(/GANTRY_OIDC_CLIENT_ID/);
  });
});

describe('GANTRY_MASTER_KEY in the server configuration', () => {
  it('is read as the key text, unset or empty means none, and sits beside GANTRY_MASTER_KEY_FILE', () => {
    const key = 'q'.repeat(43) + '=';
    expect(loadServerConfig({ dataDir: '/tmp/x' }, { GANTRY_MASTER_KEY: key }).masterKey).toBe(key);
    expect(loadServerConfig({ dataDir: '/tmp/x' }, {}).masterKey).toBeUndefined();
    expect(loadServerConfig({ dataDir: '/tmp/x' }, { GANTRY_MASTER_KEY: '' }).masterKey).toBeUndefined();
    // Both set: refused when the key is loaded (src/config/master-key.ts), where the message is made.
    expect(loadServerConfig({ dataDir: '/tmp/x' }, { GANTRY_MASTER_KEY: key, GANTRY_MASTER_KEY_FILE: '/etc/gantry/master.key' })).toMatchObject({ masterKey: key, masterKeyFile: '/etc/gantry/master.key' });
  });
});
