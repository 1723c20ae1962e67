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

  it('is off unless configured, and takes defaults for the claim, scopes and role map', () => {
    expect(loadServerConfig({ dataDir: '/tmp/x' }, {}).oidc).toBeUndefined();
    const oidc = loadServerConfig({ dataDir: '/tmp/x' }, { ...complete, GANTRY_OIDC_ROLE_MAP: 'cab=approver, platform=admin' }).oidc!;
    expect(oidc).toMatchObject({ clientId: 'gantry', groupsClaim: 'groups', scopes: 'openid profile email', roleMap: { cab: 'approver', platform: 'admin' } });
  });

  it('stops the start when a part is missing or the role map names no role', () => {
    expect(() => loadServerConfig({ dataDir: '/tmp/x' }, { GANTRY_OIDC_ISSUER: complete.GANTRY_OIDC_ISSUER })).toThrow(/GANTRY_OIDC_CLIENT_ID/);
    expect(() => loadServerConfig({ dataDir: '/tmp/x' }, { ...complete, GANTRY_OIDC_ROLE_MAP: 'cab=boss' })).toThrow(/GANTRY_OIDC_ROLE_MAP: "cab=boss": boss is not a role/);
  });
});
