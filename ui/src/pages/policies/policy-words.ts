import type { PolicyDto, PolicyFlipDto } from '../../../../src/client/api-client.js';

type PolicyRule = PolicyDto['rules'][number];
export type PolicyState = PolicyFlipDto['to'];

/** A rule as a sentence. */
export function ruleText(rule: PolicyRule): string {
  switch (rule.kind) {
    case 'package':
      if (!rule.present) return `Package ${rule.name} must not be installed`;
      return rule.minVersion === null ? `Package ${rule.name} must be installed` : `Package ${rule.name} must be installed, version ${rule.minVersion} or later`;
    case 'os': {
      const ids = rule.ids.length > 0 ? rule.ids.join(' or ') : 'any system';
      const versions = rule.versions.length > 0 ? `, version ${rule.versions.join(' or ')}` : '';
      return `Operating system must be ${ids}${versions}`;
    }
    case 'agentVersion':
      return `Agent must be version ${rule.min} or later`;
    case 'diskFree':
      return `Disk ${rule.mount} must have at least ${rule.minPercent}% free`;
    case 'file': {
      if (!rule.exists) return `File ${rule.path} must not exist`;
      const details = [rule.mode && `mode ${rule.mode}`, rule.owner && `owned by ${rule.owner}`, rule.contains && `a line matching /${rule.contains}/`].filter(Boolean);
      return `File ${rule.path} must exist${details.length > 0 ? ` with ${details.join(', ')}` : ''}`;
    }
    case 'service':
      return rule.running ? `Service ${rule.name} must be running` : `Service ${rule.name} must not be running`;
  }
}

/** A policy's target selector in words. */
export function selectorText(targets: PolicyDto['targets']): string {
  const labels = Object.entries(targets);
  return labels.length === 0 ? 'every target' : `targets labelled ${labels.map(([key, value]) => `${key}=${value}`).join(', ')}`;
}

/** Each state in words with a symbol, so that it never rests on colour alone. */
export const STATE_WORDS: Record<PolicyState, { label: string; symbol: string }> = {
  pass: { label: 'passing', symbol: '✓' },
  fail: { label: 'failing', symbol: '✕' },
  unknown: { label: 'unknown', symbol: '?' },
  not_applicable: { label: 'not applicable', symbol: '–' },
};
