import type { MetricReader } from '../engine/analysis/metric-port.js';
import { createOutboundPolicy, type OutboundAllowList } from '../outbound/outbound-policy.js';
import type { ResolveHost } from '../outbound/outbound-request.js';
import { readCommandMetric, type CommandOptions } from './command.js';
import type { Outbound } from './http-get.js';
import { readHttpMetric } from './http.js';
import { readPrometheus } from './prometheus.js';

/**
 * The metric reader the engine is given: dispatches each measurement to its provider. Built
 * once in the composition root.
 */

export interface MetricReaderOptions {
  /** Where command providers run (default: the server's working directory). */
  readonly commandCwd?: string;
  /**
   * The environment command providers start from. Default: PATH, HOME, LANG and TZ of the server
   * only — never the whole server environment, which holds the database URL and tokens.
   */
  readonly commandEnv?: Readonly<Record<string, string>>;
  /**
   * GANTRY_OUTBOUND_ALLOW, parsed: the only destinations Prometheus and http providers may call.
   * Unset: anything but the default deny-list (link-local, cloud metadata, unspecified,
   * multicast, broadcast). See src/outbound/outbound-policy.ts.
   */
  readonly outboundAllow?: OutboundAllowList;
  /** This server's listening address and port, which providers may never call. */
  readonly server?: { readonly host: string; readonly port: number };
  /** Name resolution for the HTTP providers (default: dns.lookup); tests fake it. */
  readonly resolve?: ResolveHost;
}

const INHERITED = ['PATH', 'HOME', 'LANG', 'TZ'] as const;

function defaultCommandEnv(): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

export function createMetricReader(options: MetricReaderOptions = {}): MetricReader {
  const command: CommandOptions = { cwd: options.commandCwd ?? process.cwd(), baseEnv: options.commandEnv ?? defaultCommandEnv() };
  const outbound: Outbound = { policy: createOutboundPolicy({ allow: options.outboundAllow, server: options.server }), resolve: options.resolve };
  return {
    read(metric, signal) {
      const provider = metric.provider;
      switch (provider.kind) {
        case 'prometheus':
          return readPrometheus(provider, signal, outbound);
        case 'http':
          return readHttpMetric(provider, signal, outbound);
        case 'command':
          return readCommandMetric(provider, signal, command);
      }
    },
  };
}
