import type { HealthCheck } from '../manifest/schema.js';
import type { VariableValues } from '../variables/resolve-variables.js';
import { interpolateField, type MissingVariable } from '../variables/substitute.js';

export interface CheckTiming {
  readonly timeout: number;
  readonly retries: number;
  readonly interval: number;
}

/** One health check with every `${VAR}` filled in for a target. */
export type ResolvedHealthCheck =
  | { readonly kind: 'command'; readonly command: string; readonly timing: CheckTiming }
  | { readonly kind: 'http'; readonly url: URL; readonly expect: number; readonly timing: CheckTiming }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly timing: CheckTiming };

export interface InvalidCheckField {
  readonly where: string;
  readonly message: string;
}

/**
 * Fills the manifest's health checks with a target's variables. Missing variables and values
 * that do not make a valid URL or port are collected, so preflight can report them all.
 */
export function resolveHealthChecks(
  checks: readonly HealthCheck[],
  values: VariableValues,
  missing: MissingVariable[],
  invalid: InvalidCheckField[],
): ResolvedHealthCheck[] {
  const resolved: ResolvedHealthCheck[] = [];
  checks.forEach((check, index) => {
    const timing = { timeout: check.timeout, retries: check.retries, interval: check.interval };
    if ('command' in check) {
      // A command reads variables from its environment; it is not interpolated.
      resolved.push({ kind: 'command', command: check.command, timing });
    } else if ('http' in check) {
      const where = `health[${index}].http.url`;
      const text = interpolateField(check.http.url, values, where, missing);
      const url = URL.canParse(text) ? new URL(text) : null;
      if (url?.protocol === 'http:') resolved.push({ kind: 'http', url, expect: check.http.expect, timing });
      else if (!text.includes('${')) invalid.push({ where, message: `"${text}" is not an http:// URL` });
    } else {
      const where = `health[${index}].tcp`;
      const host = interpolateField(check.tcp.host, values, `${where}.host`, missing);
      const portText = interpolateField(String(check.tcp.port), values, `${where}.port`, missing);
      const port = Number(portText);
      if (Number.isInteger(port) && port > 0 && port < 65536) resolved.push({ kind: 'tcp', host, port, timing });
      else if (!portText.includes('${')) invalid.push({ where: `${where}.port`, message: `"${portText}" is not a TCP port` });
    }
  });
  return resolved;
}

export function describeCheck(check: ResolvedHealthCheck): string {
  switch (check.kind) {
    case 'command':
      return `command ${JSON.stringify(check.command)}`;
    case 'http':
      return `http GET ${check.url.href} expecting ${check.expect}`;
    case 'tcp':
      return `tcp ${check.host}:${check.port}`;
  }
}
