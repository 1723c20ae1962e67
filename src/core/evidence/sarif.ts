import { z } from 'zod';
import { GantryError } from '../errors.js';
import { SARIF_LEVELS, type SarifLevel, type SarifLevelCounts, type SarifRuleCount, type SarifSummary } from './model.js';

/**
 * SARIF 2.1.0 logs (static analysis, vulnerability scans). Only what a summary needs is read;
 * everything else passes through. A result's level is, per SARIF §3.27.10: its own `level`,
 * else its rule's `defaultConfiguration.level`, else "warning".
 */
const levelSchema = z.enum(SARIF_LEVELS);
const ruleSchema = z.looseObject({
  id: z.string().optional(),
  defaultConfiguration: z.looseObject({ level: levelSchema.optional() }).optional(),
  properties: z.looseObject({ 'security-severity': z.union([z.string(), z.number()]).optional() }).optional(),
});
const componentSchema = z.looseObject({ name: z.string(), rules: z.array(ruleSchema).optional() });
const resultSchema = z.looseObject({
  ruleId: z.string().optional(),
  ruleIndex: z.number().int().nonnegative().optional(),
  rule: z.looseObject({ id: z.string().optional(), index: z.number().int().nonnegative().optional() }).optional(),
  level: levelSchema.optional(),
});
const sarifSchema = z.looseObject({
  version: z.literal('2.1.0'),
  runs: z.array(z.looseObject({ tool: z.looseObject({ driver: componentSchema }), results: z.array(resultSchema).optional() })),
});

const zeroLevels = (): SarifLevelCounts => ({ error: 0, warning: 0, note: 0, none: 0 });

function severityOf(raw: string | number | undefined): number | null {
  if (raw === undefined) return null;
  const value = typeof raw === 'number' ? raw : Number(raw);
  return Number.isFinite(value) ? value : null;
}

export function parseSarif(text: string, file: string): SarifSummary {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GantryError('EVIDENCE_INVALID', `${file}: not JSON: ${(error as Error).message}`, { where: file });
  }
  const parsed = sarifSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue ? issue.path.map(String).join('.') || '(root)' : '(root)';
    throw new GantryError('EVIDENCE_INVALID', `${file}: not a SARIF 2.1.0 log: ${path}: ${issue?.message ?? 'is not valid'}`, { where: `${file}#${path}` });
  }
  const levels = zeroLevels();
  const tools = new Map<string, SarifLevelCounts>();
  const rules = new Map<string, { tool: string; rule: string; level: SarifLevel; count: number; securitySeverity: number | null }>();
  let results = 0;
  let maxSecuritySeverity: number | null = null;
  for (const run of parsed.data.runs) {
    const tool = run.tool.driver.name;
    const ruleList = run.tool.driver.rules ?? [];
    const byId = new Map(ruleList.filter((rule) => rule.id !== undefined).map((rule) => [rule.id as string, rule]));
    const toolLevels = tools.get(tool) ?? zeroLevels();
    tools.set(tool, toolLevels);
    for (const result of run.results ?? []) {
      const index = result.ruleIndex ?? result.rule?.index;
      const ruleId = result.ruleId ?? result.rule?.id ?? (index !== undefined ? ruleList[index]?.id : undefined);
      const rule = (index !== undefined ? ruleList[index] : undefined) ?? (ruleId !== undefined ? byId.get(ruleId) : undefined);
      const level: SarifLevel = result.level ?? rule?.defaultConfiguration?.level ?? 'warning';
      const securitySeverity = severityOf(rule?.properties?.['security-severity']);
      results += 1;
      levels[level] += 1;
      toolLevels[level] += 1;
      if (securitySeverity !== null) maxSecuritySeverity = Math.max(maxSecuritySeverity ?? securitySeverity, securitySeverity);
      const key = JSON.stringify([tool, ruleId ?? '', level]);
      const entry = rules.get(key) ?? { tool, rule: ruleId ?? '(no rule)', level, count: 0, securitySeverity };
      entry.count += 1;
      rules.set(key, entry);
    }
  }
  const ruleCounts: SarifRuleCount[] = [...rules.values()].sort((a, b) => SARIF_LEVELS.indexOf(a.level) - SARIF_LEVELS.indexOf(b.level) || b.count - a.count || a.rule.localeCompare(b.rule));
  return { type: 'sarif', results, levels, tools: [...tools].map(([tool, counts]) => ({ tool, levels: counts })), rules: ruleCounts, maxSecuritySeverity };
}
