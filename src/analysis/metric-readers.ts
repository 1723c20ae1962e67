import type { MetricReader } from '../engine/analysis/metric-port.js';
import { readCommandMetric, type CommandOptions } from './command.js';
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
  return {
    read(metric, signal) {
      const provider = metric.provider;
      switch (provider.kind) {
        case 'prometheus':
          return readPrometheus(provider, signal);
        case 'http':
          return readHttpMetric(provider, signal);
        case 'command':
          return readCommandMetric(provider, signal, command);
      }
    },
  };
}
