/**
 * Inventory for targets without an agent: the server asks the machine over its transport (SSH,
 * or this machine for a local target) what an agent would report — OS, kernel, CPUs, memory,
 * disks, installed packages, whether a reboot is pending — and records it as the target's facts.
 */
import { GantryError } from '../core/errors.js';
import { clip, DPKG_QUERY_FORMAT, parseDf, parseOsRelease, parsePackageLines, RPM_QUERY_FORMAT } from '../core/inventory/fact-parsers.js';
import { factsSchema, type Facts } from '../protocol/agent.js';
import type { AppDeps } from './app-deps.js';
import { checkPolicies } from './policies.js';
import { storeTargetFacts } from './target-facts.js';
import { requireTarget } from './targets.js';

const PROBE_TIMEOUT_MS = 120_000;
const MAX_PROBE_CHARS = 16 * 1024 * 1024;

/**
 * One shell script, one section per fact. GANTRY_PACKAGE_LIST, when set, is the target's own
 * listing command (NAME<TAB>VERSION[<TAB>SOURCE] lines); else dpkg-query or rpm, as on the agent.
 */
const PROBE_SCRIPT = String.raw`
section() { printf '\n@@gantry %s\n' "$1"; }
section hostname; hostname 2>/dev/null || cat /proc/sys/kernel/hostname
section os-release; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
section kernel; uname -r
section architecture; uname -m
section cpus; getconf _NPROCESSORS_ONLN 2>/dev/null || nproc 2>/dev/null
section memory; sed -n 's/^MemTotal: *\([0-9]*\) kB.*/\1/p' /proc/meminfo 2>/dev/null
section uptime; cut -d' ' -f1 /proc/uptime 2>/dev/null
section df; df -Pk 2>/dev/null
section reboot; if [ -e /var/run/reboot-required ]; then echo yes; else echo no; fi
if command -v dpkg-query >/dev/null 2>&1; then format=dpkg; elif command -v rpm >/dev/null 2>&1; then format=rpm; else format=; fi
section "packages $format"
if [ -n "$GANTRY_PACKAGE_LIST" ]; then sh -c "$GANTRY_PACKAGE_LIST"
elif [ "$format" = dpkg ]; then dpkg-query -W -f '${DPKG_QUERY_FORMAT}' | sed -n 's/^[^\t]* installed\t//p'
elif [ "$format" = rpm ]; then rpm -qa --qf '${RPM_QUERY_FORMAT}'
fi
section end
`;

/** Reads the probe's output into facts; what a machine did not say is left empty. */
export function factsFromProbe(output: string): Facts {
  const sections = new Map<string, string>();
  let format: string | undefined;
  for (const part of output.split('\n@@gantry ').slice(1)) {
    const newline = part.indexOf('\n');
    const name = newline < 0 ? part : part.slice(0, newline);
    const body = newline < 0 ? '' : part.slice(newline + 1);
    if (name.startsWith('packages')) format = name.slice('packages'.length).trim();
    sections.set(name.startsWith('packages') ? 'packages' : name, body);
  }
  if (!sections.has('end')) throw new GantryError('STEP_FAILED', 'the inventory probe stopped before it finished');
  const text = (name: string) => (sections.get(name) ?? '').trim();
  const number = (name: string) => (Number.isFinite(Number(text(name))) ? Number(text(name)) : 0);
  const release = parseOsRelease(sections.get('os-release') ?? '');
  const packageFormat = format === 'dpkg' || format === 'rpm' ? format : undefined;
  return factsSchema.parse({
    hostname: clip(text('hostname'), 255),
    os: {
      name: clip(release.NAME ?? release.ID ?? 'unknown', 200),
      version: clip(release.VERSION ?? release.VERSION_ID ?? '', 200),
      ...(release.ID ? { id: clip(release.ID, 100) } : {}),
      ...(release.VERSION_ID ? { versionId: clip(release.VERSION_ID, 100) } : {}),
    },
    kernel: clip(text('kernel'), 200),
    architecture: clip(text('architecture'), 50),
    cpus: Math.min(100_000, Math.max(0, Math.floor(number('cpus')))),
    memoryBytes: Math.max(0, number('memory') * 1024),
    disks: parseDf(sections.get('df') ?? '').slice(0, 200),
    addresses: [],
    packages: parsePackageLines(sections.get('packages') ?? ''),
    ...(packageFormat ? { packageFormat } : {}),
    rebootRequired: text('reboot') === 'yes',
    agentVersion: 'none',
    uptimeSeconds: Math.max(0, Math.floor(number('uptime'))),
  });
}

/** Asks a target what it is and records the answer as its facts. */
export async function probeTarget(deps: AppDeps, name: string): Promise<void> {
  const target = await requireTarget(deps, name);
  const session = await deps.executor.open(target, { timeoutMs: 10_000 });
  let output = '';
  try {
    const result = await session.runCommand(
      { command: PROBE_SCRIPT, env: target.packageCommands?.list ? { GANTRY_PACKAGE_LIST: target.packageCommands.list } : {} },
      {
        timeoutMs: PROBE_TIMEOUT_MS,
        onOutput: (stream, chunk) => {
          if (stream === 'stdout' && output.length < MAX_PROBE_CHARS) output += chunk;
        },
      },
    );
    if (result.exitCode !== 0) throw new GantryError('STEP_FAILED', `the inventory probe on ${name} exited with code ${result.exitCode}`, { target: name });
  } finally {
    await session.close();
  }
  await storeTargetFacts(deps, name, factsFromProbe(output));
  // The files and services policies name are looked at too, now that the target has facts.
  await checkPolicies(deps, [name]);
}
