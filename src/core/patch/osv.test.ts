import { describe, expect, it } from 'vitest';
import { GantryError } from '../errors.js';
import { parseOsvAdvisory, rangesOfEvents } from './osv.js';

/** Debian security tracker style: a source package, no severity, CVEs in `upstream`. */
const dsa = {
  id: 'DSA-5764-1',
  schema_version: '1.6.0',
  summary: 'openssl - security update',
  details: 'Several vulnerabilities were discovered in OpenSSL.',
  published: '2024-09-03T00:00:00Z',
  modified: '2024-09-04T05:12:07.123456Z',
  upstream: ['CVE-2024-5535', 'CVE-2024-6119'],
  affected: [
    {
      package: { ecosystem: 'Debian:12', name: 'openssl', purl: 'pkg:deb/debian/openssl?arch=source' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] }],
      versions: ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', '3.0.14-1~deb12u1'],
    },
  ],
  references: [{ type: 'ADVISORY', url: 'https://www.debian.org/security/2024/dsa-5764' }],
  database_specific: { source: 'https://salsa.debian.org/security-tracker-team/security-tracker' },
};

/** Canonical's USN style: one entry per release, Ubuntu priority, binaries in ecosystem_specific. */
const usn = {
  schema_version: '1.6.3',
  id: 'USN-7018-1',
  summary: 'openssl vulnerabilities',
  details: 'It was discovered that OpenSSL did not properly check the name in a certificate.',
  aliases: [],
  related: ['CVE-2024-6119', 'UBUNTU-CVE-2024-6119'],
  published: '2024-09-17T13:15:06.123456Z',
  modified: '2024-09-17T13:15:06.123456Z',
  affected: [
    {
      package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'openssl', purl: 'pkg:deb/ubuntu/openssl@3.0.2-0ubuntu1.18?arch=source&distro=jammy' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.2-0ubuntu1.18' }] }],
      versions: ['3.0.2-0ubuntu1', '3.0.2-0ubuntu1.17'],
      ecosystem_specific: { binaries: [{ binary_name: 'libssl3', binary_version: '3.0.2-0ubuntu1.18' }], availability: 'No subscription required' },
    },
    {
      package: { ecosystem: 'Ubuntu:24.04:LTS', name: 'openssl', purl: 'pkg:deb/ubuntu/openssl@3.0.13-0ubuntu3.4?arch=source&distro=noble' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.13-0ubuntu3.4' }] }],
      versions: ['3.0.13-0ubuntu3', '3.0.13-0ubuntu3.1'],
    },
  ],
  references: [{ type: 'REPORT', url: 'https://ubuntu.com/security/notices/USN-7018-1' }],
  severity: [{ type: 'Ubuntu', score: 'medium' }],
};

/** GitHub advisory style: a CVSS v3 vector, an alias, database_specific severity, and an extra field OSV may add later. */
const ghsa = {
  schema_version: '1.4.0',
  id: 'GHSA-jfh8-c2jp-5v3q',
  modified: '2024-04-10T22:04:21Z',
  published: '2021-12-10T00:40:56Z',
  aliases: ['CVE-2021-44228'],
  summary: 'Remote code injection in Log4j',
  details: 'Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.',
  severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }],
  affected: [
    {
      package: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '2.13.0' }, { fixed: '2.15.0' }] }],
      database_specific: { source: 'https://github.com/github/advisory-database/blob/main/advisories/github-reviewed/2021/12/GHSA-jfh8-c2jp-5v3q/GHSA-jfh8-c2jp-5v3q.json' },
    },
  ],
  database_specific: { cwe_ids: ['CWE-20', 'CWE-502'], severity: 'CRITICAL', github_reviewed: true, nvd_published_at: '2021-12-10T10:15:00Z' },
  a_field_from_the_future: { anything: true },
};

function errorOf(input: unknown, where = 'advisories/dsa-1.json'): GantryError {
  try {
    parseOsvAdvisory(input, where);
  } catch (error) {
    if (error instanceof GantryError) return error;
    throw error;
  }
  throw new Error('expected parseOsvAdvisory to throw');
}

describe('parseOsvAdvisory', () => {
  it('reads a Debian DSA record naming a source package', () => {
    expect(parseOsvAdvisory(dsa, 'dsa.json')).toEqual({
      id: 'DSA-5764-1',
      aliases: ['CVE-2024-5535', 'CVE-2024-6119'],
      summary: 'openssl - security update',
      severity: 'unknown',
      cvssScore: null,
      published: '2024-09-03T00:00:00.000Z',
      modified: '2024-09-04T05:12:07.123Z',
      affected: [
        {
          ecosystem: 'Debian:12',
          name: 'openssl',
          ranges: [{ introduced: '0', fixed: '3.0.15-1~deb12u1', lastAffected: null }],
          versions: ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.13-1~deb12u1', '3.0.14-1~deb12u1'],
        },
      ],
    });
  });

  it('reads an Ubuntu USN record with its priority', () => {
    const advisory = parseOsvAdvisory(usn, 'usn.json');
    expect(advisory.severity).toBe('medium');
    expect(advisory.cvssScore).toBeNull();
    expect(advisory.aliases).toEqual([]);
    expect(advisory.affected.map((entry) => [entry.ecosystem, entry.name, entry.ranges[0]?.fixed])).toEqual([
      ['Ubuntu:22.04:LTS', 'openssl', '3.0.2-0ubuntu1.18'],
      ['Ubuntu:24.04:LTS', 'openssl', '3.0.13-0ubuntu3.4'],
    ]);
  });

  it('reads a GHSA record: CVSS v3 gives the score and rating, unknown fields are allowed', () => {
    const advisory = parseOsvAdvisory(ghsa, 'ghsa.json');
    expect(advisory).toMatchObject({ id: 'GHSA-jfh8-c2jp-5v3q', aliases: ['CVE-2021-44228'], severity: 'critical', cvssScore: 10 });
    expect(advisory.affected).toEqual([{ ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', ranges: [{ introduced: '2.13.0', fixed: '2.15.0', lastAffected: null }], versions: [] }]);
  });

  describe('severity', () => {
    const withSeverity = (extra: object) => parseOsvAdvisory({ ...dsa, ...extra }, 'x.json');

    it('takes the highest rating of the CVSS v3 vectors and Ubuntu priorities, top-level and per package', () => {
      const advisory = withSeverity({
        severity: [
          { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N' },
          { type: 'Ubuntu', score: 'medium' },
        ],
        affected: [{ ...dsa.affected[0], severity: [{ type: 'CVSS_V3', score: 'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N' }] }],
      });
      expect(advisory.severity).toBe('medium');
      expect(advisory.cvssScore).toBe(5.5);
      expect(withSeverity({ severity: [{ type: 'Ubuntu', score: 'low' }, { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }).severity).toBe('critical');
    });

    it('does not score CVSS v2 or v4 vectors, and falls back to database_specific.severity', () => {
      const advisory = withSeverity({
        severity: [
          { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' },
          { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' },
        ],
        database_specific: { severity: 'MODERATE' },
      });
      expect(advisory).toMatchObject({ severity: 'medium', cvssScore: null });
      expect(withSeverity({ database_specific: { severity: 'HIGH' } }).severity).toBe('high');
      expect(withSeverity({ database_specific: { severity: 'whatever' } }).severity).toBe('unknown');
    });

    it('counts an Ubuntu "negligible" as low and "untriaged" as nothing', () => {
      expect(withSeverity({ severity: [{ type: 'Ubuntu', score: 'negligible' }] }).severity).toBe('low');
      expect(withSeverity({ severity: [{ type: 'Ubuntu', score: 'untriaged' }] }).severity).toBe('unknown');
    });

    it('gives no rating for a CVSS score of 0', () => {
      expect(withSeverity({ severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N' }] })).toMatchObject({ severity: 'unknown', cvssScore: 0 });
    });
  });

  it('keeps only ECOSYSTEM ranges, and drops packages left with nothing', () => {
    const advisory = parseOsvAdvisory(
      {
        id: 'OSV-2024-1',
        modified: '2024-01-01T00:00:00Z',
        affected: [
          { package: { ecosystem: 'npm', name: 'left-pad' }, ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '1.3.0' }] }] },
          { ranges: [{ type: 'GIT', repo: 'https://github.com/example/lib', events: [{ introduced: 'a'.repeat(40) }, { fixed: 'b'.repeat(40) }] }], versions: ['v1.0'] },
          {
            package: { ecosystem: 'Debian:12', name: 'curl' },
            ranges: [
              { type: 'GIT', repo: 'https://github.com/curl/curl', events: [{ introduced: '0' }] },
              { type: 'ECOSYSTEM', events: [{ introduced: '7.88.1-10' }, { fixed: '7.88.1-10+deb12u5' }] },
            ],
          },
        ],
      },
      'x.json',
    );
    expect(advisory.affected).toEqual([{ ecosystem: 'Debian:12', name: 'curl', ranges: [{ introduced: '7.88.1-10', fixed: '7.88.1-10+deb12u5', lastAffected: null }], versions: [] }]);
    expect(advisory.summary).toBe('');
  });

  it('falls back to the first line of details for the summary', () => {
    expect(parseOsvAdvisory({ ...dsa, summary: undefined, details: '\nFirst line.\nSecond line.' }, 'x.json').summary).toBe('First line.');
  });

  it('refuses a withdrawn advisory, saying when', () => {
    const error = errorOf({ ...ghsa, withdrawn: '2024-05-01T00:00:00Z' }, 'ghsa.json');
    expect(error.code).toBe('REQUEST_INVALID');
    expect(error.message).toBe('ghsa.json: withdrawn: advisory GHSA-jfh8-c2jp-5v3q was withdrawn on 2024-05-01T00:00:00Z and no longer describes a vulnerability');
    expect(error.details).toMatchObject({ where: 'ghsa.json', withdrawn: '2024-05-01T00:00:00.000Z', id: 'GHSA-jfh8-c2jp-5v3q' });
  });

  describe('errors name the file and the path of the first problem', () => {
    const withAffected = (affected: unknown) => ({ ...dsa, affected: [affected] });
    const openssl = { ecosystem: 'Debian:12', name: 'openssl' };

    it.each([
      ['an empty events list', withAffected({ package: openssl, ranges: [{ type: 'ECOSYSTEM', events: [] }] }), 'advisories/dsa-1.json: affected.0.ranges.0.events: a range needs at least one event'],
      [
        'an event with two kinds',
        withAffected({ package: openssl, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { introduced: '1.0', fixed: '1.1' }] }] }),
        'advisories/dsa-1.json: affected.0.ranges.0.events.1: an event has exactly one of introduced, fixed, last_affected or limit (this one has introduced and fixed)',
      ],
      [
        'a range with no introduced',
        withAffected({ package: openssl, ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1.1' }] }] }),
        'advisories/dsa-1.json: affected.0.ranges.0.events: a range needs at least one "introduced" event (use "0" for "from the first version")',
      ],
      ['an unknown range type', withAffected({ package: openssl, ranges: [{ type: 'DATE', events: [{ introduced: '0' }] }] }), 'advisories/dsa-1.json: affected.0.ranges.0.type: must be ECOSYSTEM, SEMVER or GIT'],
      ['a GIT range without repo', withAffected({ package: openssl, ranges: [{ type: 'GIT', events: [{ introduced: '0' }] }] }), 'advisories/dsa-1.json: affected.0.ranges.0.repo: a GIT range needs the repository it counts commits in'],
      ['a package without a name', withAffected({ package: { ecosystem: 'Debian:12' } }), 'advisories/dsa-1.json: affected.0.package.name: Invalid input: expected string, received undefined'],
      [
        'a broken CVSS v3 vector',
        { ...dsa, severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N' }] },
        'advisories/dsa-1.json: severity.0.score: "CVSS:3.1/AV:N" is not a CVSS v3.0/v3.1 vector such as "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"',
      ],
      ['an unknown Ubuntu priority', { ...dsa, severity: [{ type: 'Ubuntu', score: 'urgent' }] }, 'advisories/dsa-1.json: severity.0.score: "urgent" is not an Ubuntu priority (untriaged, negligible, low, medium, high, critical)'],
      ['no modified', { ...dsa, modified: undefined }, 'advisories/dsa-1.json: modified: must be an RFC 3339 timestamp such as "2024-09-03T12:00:00Z"'],
      ['a bad published', { ...dsa, published: '3 September 2024' }, 'advisories/dsa-1.json: published: must be an RFC 3339 timestamp such as "2024-09-03T12:00:00Z"'],
      ['affected not a list', { ...dsa, affected: 'nope' }, 'advisories/dsa-1.json: affected: Invalid input: expected array, received string'],
      ['not an object', 'nope', 'advisories/dsa-1.json: Invalid input: expected object, received string'],
    ])('%s', (_, input, message) => {
      const error = errorOf(input);
      expect(error.code).toBe('REQUEST_INVALID');
      expect(error.kind).toBe('invalid');
      expect(error.message).toBe(message);
      expect(error.details['where']).toBe('advisories/dsa-1.json');
    });

    it('counts further problems', () => {
      const error = errorOf({ id: 'DSA-1-1' });
      expect(error.message).toMatch(/^advisories\/dsa-1\.json: modified: .*$/);
      expect(errorOf({}).message).toMatch(/\(and 1 more problem\)$/);
    });
  });
});

describe('rangesOfEvents', () => {
  it('turns introduced/fixed pairs into ranges, in version order for a known format', () => {
    expect(rangesOfEvents([{ introduced: '2.0-1' }, { fixed: '2.3-1' }, { fixed: '1.5-1' }, { introduced: '1.0-1' }], 'dpkg')).toEqual([
      { introduced: '1.0-1', fixed: '1.5-1', lastAffected: null },
      { introduced: '2.0-1', fixed: '2.3-1', lastAffected: null },
    ]);
    expect(rangesOfEvents([{ fixed: '1:2.0-1' }, { introduced: '0' }], 'dpkg')).toEqual([{ introduced: '0', fixed: '1:2.0-1', lastAffected: null }]);
  });

  it('keeps the order given when the format is unknown', () => {
    expect(rangesOfEvents([{ introduced: '2.13.0' }, { fixed: '2.15.0' }], null)).toEqual([{ introduced: '2.13.0', fixed: '2.15.0', lastAffected: null }]);
  });

  it('closes with last_affected, leaves a range open, ignores limit and redundant events', () => {
    expect(rangesOfEvents([{ introduced: '0' }, { last_affected: '1.2-3' }], 'dpkg')).toEqual([{ introduced: '0', fixed: null, lastAffected: '1.2-3' }]);
    expect(rangesOfEvents([{ introduced: '1.0-1' }, { limit: '9.0-1' }], 'dpkg')).toEqual([{ introduced: '1.0-1', fixed: null, lastAffected: null }]);
    expect(rangesOfEvents([{ introduced: '1.0-1' }, { introduced: '1.2-1' }, { fixed: '1.4-1' }, { fixed: '1.6-1' }], 'dpkg')).toEqual([{ introduced: '1.0-1', fixed: '1.4-1', lastAffected: null }]);
  });
});
