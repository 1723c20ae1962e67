/**
 * The commands that manage a target's packages: its own (PackageCommands on the target) where
 * given, else the defaults of its package format. All run with `sh -c` and get their data in
 * environment variables (GANTRY_PACKAGES, GANTRY_UPGRADES), never spliced into the command.
 */
import { DPKG_QUERY_FORMAT, RPM_QUERY_FORMAT } from '../inventory/fact-parsers.js';
import type { PackageCommands } from '../model.js';
import type { PackageFormat } from './model.js';

export type ResolvedPackageCommands = Required<PackageCommands>;

const DEFAULTS: Readonly<Record<PackageFormat, ResolvedPackageCommands>> = {
  dpkg: {
    list: `dpkg-query -W -f '${DPKG_QUERY_FORMAT}' $GANTRY_PACKAGES | sed -n 's/^[^\\t]* installed\\t//p'`,
    upgrade: 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --only-upgrade -o Dpkg::Options::=--force-confold -- $GANTRY_UPGRADES',
    rebootCheck: 'test -e /var/run/reboot-required',
  },
  rpm: {
    list: `rpm -q --qf '${RPM_QUERY_FORMAT}' \${GANTRY_PACKAGES:--a}`,
    upgrade: 'dnf upgrade -y -q -- $(printf "%s\\n" $GANTRY_UPGRADES | sed "s/=/-/")',
    rebootCheck: 'needs-restarting -r >/dev/null; test $? -eq 1',
  },
};

export function packageCommandsFor(format: PackageFormat, own: PackageCommands | undefined): ResolvedPackageCommands {
  return { ...DEFAULTS[format], ...(own ?? {}) };
}
