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
