import { describe, expect, it } from 'vitest';
import { createOutboundPolicy, formatIp, networkContains, parseIpAddress, parseIpNetwork, parseOutboundAllow, type OutboundPolicyOptions } from './outbound-policy.js';

const ip = (text: string) => {
  const parsed = parseIpAddress(text);
  if (!parsed) throw new Error(`${text} did not parse`);
  return parsed;
};
const contains = (cidr: string, address: string) => networkContains(parseIpNetwork(cidr), ip(address));

describe('IP addresses', () => {
  it('reads IPv4 and IPv6, and IPv4-mapped IPv6 as the IPv4 address it maps', () => {
    expect(ip('127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(ip('::ffff:127.0.0.1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(ip('::ffff:7f00:1')).toEqual({ family: 4, value: 0x7f000001n });
    expect(ip('[::ffff:7f00:1]')).toEqual({ family: 4, value: 0x7f000001n });
    expect(ip('::1')).toEqual({ family: 6, value: 1n });
    expect(ip('fe80::1%eth0')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
    expect(ip('1:2:3:4:5:6:7:8').value).toBe(0x00010002000300040005000600070008n);
    expect(ip('64:ff9b::192.0.2.1').value).toBe((0x64ff9bn << 96n) | 0xc0000201n);
  });

  it('does not read the spellings only a URL parser turns into addresses (the URL parser does that first)', () => {
    for (const text of ['0x7f.1', '2130706433', '127.1', 'localhost', '', '1.2.3.256']) expect(parseIpAddress(text)).toBeUndefined();
  });

  it('writes addresses back in their canonical form', () => {
    for (const text of ['127.0.0.1', '::1', '::', 'fe80::1', 'fd00:ec2::254', '2001:db8:0:1:1:1:1:1', '1:0:0:1::1']) expect(formatIp(ip(text))).toBe(text);
    expect(formatIp(ip('::ffff:7f00:1'))).toBe('127.0.0.1');
  });
});

describe('CIDR networks', () => {
  it('match IPv4 addresses by prefix', () => {
    expect(contains('10.0.0.0/8', '10.255.1.2')).toBe(true);
    expect(contains('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(contains('192.168.4.0/22', '192.168.7.255')).toBe(true);
    expect(contains('192.168.4.0/22', '192.168.8.0')).toBe(false);
    expect(contains('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(contains('10.1.2.3', '10.1.2.3')).toBe(true);
    expect(contains('10.1.2.3', '10.1.2.4')).toBe(false);
  });

  it('match IPv6 addresses by prefix, and never across families', () => {
    expect(contains('fd00::/8', 'fd12:3456::1')).toBe(true);
    expect(contains('fd00::/8', 'fe00::1')).toBe(false);
    expect(contains('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(contains('::/0', '10.0.0.1')).toBe(false);
    expect(contains('0.0.0.0/0', '::1')).toBe(false);
  });

  it('match an IPv4-mapped IPv6 address as its IPv4 address, both ways', () => {
    expect(contains('127.0.0.0/8', '::ffff:127.0.0.1')).toBe(true);
    expect(contains('127.0.0.0/8', '::ffff:7f00:1')).toBe(true);
    expect(contains('::ffff:10.0.0.0/104', '10.9.8.7')).toBe(true);
    expect(contains('::ffff:10.0.0.0/104', '11.0.0.1')).toBe(false);
  });
});

describe('GANTRY_OUTBOUND_ALLOW', () => {
  it('reads CIDRs, addresses, host names and wildcards, trimming spaces and ignoring empty entries', () => {
    const list = parseOutboundAllow(' 10.0.0.0/8, fd00::/8 ,192.0.2.7,Metrics.Internal., *.example.com,');
    expect(list.entries.map((entry) => entry.kind)).toEqual(['network', 'network', 'network', 'host', 'domain']);
    expect(list.entries[3]).toMatchObject({ name: 'metrics.internal' });
  });

  it.each([
    ['10.0.0.0/33', 'GANTRY_OUTBOUND_ALLOW entry "10.0.0.0/33": the prefix length must be 0 to 32'],
    ['fd00::/129', 'GANTRY_OUTBOUND_ALLOW entry "fd00::/129": the prefix length must be 0 to 128'],
    ['10.0.0.1/8', 'GANTRY_OUTBOUND_ALLOW entry "10.0.0.1/8": it has bits set after the prefix: did you mean 10.0.0.0/8?'],
    ['10.1', 'GANTRY_OUTBOUND_ALLOW entry "10.1": 10.1 is not an IPv4 or IPv6 address'],
    ['0x7f.1', 'GANTRY_OUTBOUND_ALLOW entry "0x7f.1": this is not a valid IP address'],
    ['http://metrics.internal', 'GANTRY_OUTBOUND_ALLOW entry "http://metrics.internal": write the address or host name alone'],
    ['metrics.internal:9090', 'GANTRY_OUTBOUND_ALLOW entry "metrics.internal:9090": write the address or host name alone'],
    ['bad host', 'GANTRY_OUTBOUND_ALLOW entry "bad host": expected a CIDR'],
    ['*.', 'GANTRY_OUTBOUND_ALLOW entry "*.": expected a CIDR'],
    ['a.*.example.com', 'GANTRY_OUTBOUND_ALLOW entry "a.*.example.com": expected a CIDR'],
    [' , ', 'no entries; leave the variable unset'],
  ])('refuses %j, naming the entry', (text, message) => {
    expect(() => parseOutboundAllow(text)).toThrow(message);
  });
});

describe('outbound policy', () => {
  const refusal = (options: OutboundPolicyOptions, host: string, address = host, port = 80) => createOutboundPolicy({ localAddresses: () => [], ...options }).refusal({ host, address, port });
  const allow = (text: string) => ({ allow: parseOutboundAllow(text) });

  it('by default refuses link-local, unspecified, multicast, broadcast and cloud metadata addresses, also IPv4-mapped', () => {
    expect(refusal({}, '169.254.169.254')).toBe('169.254.169.254 is link-local');
    expect(refusal({}, '::ffff:169.254.169.254')).toBe('169.254.169.254 is link-local');
    expect(refusal({}, '::ffff:a9fe:a9fe')).toBe('169.254.169.254 is link-local');
    expect(refusal({}, 'fe80::1')).toBe('fe80::1 is link-local');
    expect(refusal({}, '0.0.0.0')).toBe('0.0.0.0 is an unspecified address');
    expect(refusal({}, '::')).toBe(':: is an unspecified address');
    expect(refusal({}, '224.0.0.251')).toBe('224.0.0.251 is multicast');
    expect(refusal({}, 'ff02::1')).toBe('ff02::1 is multicast');
    expect(refusal({}, '255.255.255.255')).toBe('255.255.255.255 is broadcast');
    expect(refusal({}, 'fd00:ec2::254')).toBe('fd00:ec2::254 is a cloud metadata address (AWS, IPv6)');
    expect(refusal({}, '100.100.100.200')).toBe('100.100.100.200 is a cloud metadata address (Alibaba Cloud)');
  });

  it('by default allows loopback, private networks and the rest', () => {
    for (const address of ['127.0.0.1', '::1', '::ffff:127.0.0.1', '10.0.0.5', '192.168.1.1', 'fd12::1', '203.0.113.9', '2001:db8::1']) expect(refusal({}, address)).toBeUndefined();
  });

  it('checks what a host name resolves to, and says so', () => {
    expect(refusal({}, 'metadata.test', '169.254.169.254')).toBe('metadata.test resolves to 169.254.169.254, which is link-local');
    expect(refusal({}, 'prometheus.test', '10.0.0.9')).toBeUndefined();
  });

  it('with an allow-list, allows only its networks and names', () => {
    const policy = allow('10.0.0.0/8, fd00::/8, metrics.internal, *.example.com');
    expect(refusal(policy, '10.1.2.3')).toBeUndefined();
    expect(refusal(policy, '::ffff:10.1.2.3')).toBeUndefined();
    expect(refusal(policy, 'fd00::9')).toBeUndefined();
    expect(refusal(policy, 'anything.test', '10.1.2.3')).toBeUndefined();
    expect(refusal(policy, '127.0.0.1')).toBe('127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW');
    expect(refusal(policy, '::ffff:7f00:1')).toBe('127.0.0.1 is not in GANTRY_OUTBOUND_ALLOW');
    expect(refusal(policy, 'localhost', '::1')).toBe('localhost resolves to ::1, which is not in GANTRY_OUTBOUND_ALLOW');
    expect(refusal(policy, 'metrics.internal', '203.0.113.5')).toBeUndefined();
    expect(refusal(policy, 'METRICS.internal.', '203.0.113.5')).toBeUndefined();
    expect(refusal(policy, 'other.internal', '203.0.113.5')).toBe('other.internal resolves to 203.0.113.5, which is not in GANTRY_OUTBOUND_ALLOW');
  });

  it('matches a wildcard below its domain only', () => {
    const policy = allow('*.example.com');
    expect(refusal(policy, 'a.example.com', '203.0.113.5')).toBeUndefined();
    expect(refusal(policy, 'a.b.example.com', '203.0.113.5')).toBeUndefined();
    expect(refusal(policy, 'example.com', '203.0.113.5')).toBe('example.com resolves to 203.0.113.5, which is not in GANTRY_OUTBOUND_ALLOW');
    expect(refusal(policy, 'badexample.com', '203.0.113.5')).toBe('badexample.com resolves to 203.0.113.5, which is not in GANTRY_OUTBOUND_ALLOW');
    expect(refusal(policy, 'example.com.evil.test', '203.0.113.5')).toBe('example.com.evil.test resolves to 203.0.113.5, which is not in GANTRY_OUTBOUND_ALLOW');
  });

  it('does not let an allowed name reach the default deny-list (DNS rebinding to metadata), but does let a listed network', () => {
    expect(refusal(allow('*.example.com'), 'a.example.com', '169.254.169.254')).toBe('a.example.com resolves to 169.254.169.254, which is link-local');
    expect(refusal(allow('169.254.0.0/16'), '169.254.10.1')).toBeUndefined();
  });

  it("refuses this server's own address and port, with or without an allow-list", () => {
    const server = { server: { host: '127.0.0.1', port: 7400 } };
    expect(refusal(server, '127.0.0.1', '127.0.0.1', 7400)).toBe("127.0.0.1 is this Gantry server's own address (port 7400)");
    expect(refusal(server, 'localhost', '::ffff:127.0.0.1', 7400)).toBe("localhost resolves to 127.0.0.1, which is this Gantry server's own address (port 7400)");
    expect(refusal(server, '127.0.0.1', '127.0.0.1', 9090)).toBeUndefined();
    expect(refusal(server, '127.0.0.2', '127.0.0.2', 7400)).toBeUndefined();
    expect(refusal({ ...server, ...allow('127.0.0.0/8') }, '127.0.0.1', '127.0.0.1', 7400)).toBe("127.0.0.1 is this Gantry server's own address (port 7400)");
  });

  it('takes a server listening on every address, or on a name, to be every local address', () => {
    for (const host of ['0.0.0.0', '::', 'gantry.internal']) {
      const options = { server: { host, port: 7400 }, localAddresses: () => ['192.168.1.10', 'fe80::1234'] };
      expect(refusal(options, '127.0.0.2', '127.0.0.2', 7400)).toMatch(/own address/);
      expect(refusal(options, '::1', '::1', 7400)).toMatch(/own address/);
      expect(refusal(options, 'gantry.internal', '192.168.1.10', 7400)).toBe("gantry.internal resolves to 192.168.1.10, which is this Gantry server's own address (port 7400)");
      expect(refusal(options, '192.168.1.11', '192.168.1.11', 7400)).toBeUndefined();
    }
  });

  it('knows no own port when the server listens on port 0 (chosen at listen time)', () => {
    expect(refusal({ server: { host: '127.0.0.1', port: 0 } }, '127.0.0.1', '127.0.0.1', 7400)).toBeUndefined();
  });
});
