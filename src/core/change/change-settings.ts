import { z } from 'zod';
import { nameSchema } from '../names.js';
import { CHANGE_TYPES } from './change-machine.js';
import { RISK_LEVELS, riskConfigSchema } from './risk-config.js';
import { DEFAULT_REQUIRED_STREAK } from './standard-eligibility.js';

/**
 * How an organisation runs change control, from the server's change settings file (YAML or
 * JSON, `GANTRY_CHANGE_SETTINGS`). Every key has a default, so an installation without the file
 * still has a deliberate policy: one approval from `approvers`, two from `cab` for high risk and
 * above, one from `emergency` for emergencies.
 */

const policySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  requirements: z.array(z.strictObject({ group: nameSchema, count: z.number().int().min(1).max(20) })).max(20),
});

const ruleSchema = z.strictObject({
  environment: z.string().min(1).max(100).optional(),
  minimumRisk: z.enum(RISK_LEVELS).optional(),
  changeTypes: z.array(z.enum(CHANGE_TYPES)).min(1).optional(),
  policy: policySchema,
});

export const changeSettingsSchema = z.strictObject({
  risk: riskConfigSchema.prefault({}),
  /** First match wins (see approval-policy.ts); `otherwise` answers for everything else. */
  approvals: z.strictObject({ rules: z.array(ruleSchema).max(100), otherwise: policySchema }).prefault({
    rules: [
      { changeTypes: ['emergency'], policy: { name: 'emergency', requirements: [{ group: 'emergency', count: 1 }] } },
      { minimumRisk: 'high', policy: { name: 'cab', requirements: [{ group: 'cab', count: 2 }] } },
    ],
    otherwise: { name: 'peer review', requirements: [{ group: 'approvers', count: 1 }] },
  }),
  /** Successful deployments in a row before an app + environment + strategy may use standard changes. */
  standard: z.strictObject({ requiredStreak: z.number().int().min(1).max(100).default(DEFAULT_REQUIRED_STREAK) }).prefault({}),
  /**
   * What happens when a change's window closes while its deployment runs: the current batch always
   * finishes; then `halt` pauses the deployment, which stays paused (a resume meets the closed
   * window again) until someone aborts it (rolls back) or cancels it (keeps what was done); with
   * `rollback` Gantry rolls it back at once. Either way the change then goes to review.
   */
  windowEnd: z.enum(['halt', 'rollback']).default('halt'),
});

export type ChangeSettings = z.output<typeof changeSettingsSchema>;

export const DEFAULT_CHANGE_SETTINGS: ChangeSettings = changeSettingsSchema.parse({});
