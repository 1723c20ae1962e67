import { GantryError } from '../errors.js';
import type { VariableValues } from './resolve-variables.js';

/** `{{ NAME }}` in configuration templates. */
const TEMPLATE_PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
/** `${NAME}` in manifest fields such as health-check URLs. */
const MANIFEST_PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export interface MissingVariable {
  readonly name: string;
  /** Where it is used: "deploy/app.env.tmpl:3" or "health[0].http.url". */
  readonly where: string;
}

function substitute(text: string, pattern: RegExp, values: VariableValues, where: (offset: number) => string, missing: MissingVariable[]): string {
  return text.replace(pattern, (placeholder: string, name: string, offset: number) => {
    const value = values[name];
    if (value !== undefined) return value;
    missing.push({ name, where: where(offset) });
    return placeholder;
  });
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let index = 0; index < offset; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}

/** Renders a configuration template; every missing variable is collected, not just the first. */
export function renderTemplate(text: string, values: VariableValues, templatePath: string, missing: MissingVariable[]): string {
  return substitute(text, TEMPLATE_PLACEHOLDER, values, (offset) => `${templatePath}:${lineAt(text, offset)}`, missing);
}

/** Fills `${NAME}` placeholders in a manifest field. */
export function interpolateField(text: string, values: VariableValues, field: string, missing: MissingVariable[]): string {
  return substitute(text, MANIFEST_PLACEHOLDER, values, () => field, missing);
}

export function missingVariablesError(missing: readonly MissingVariable[], scope: { environment: string; target: string }): GantryError {
  const names = [...new Set(missing.map((entry) => entry.name))];
  const uses = missing.map((entry) => `${entry.name} (${entry.where})`).join(', ');
  return new GantryError(
    'VARIABLE_MISSING',
    `variable${names.length > 1 ? 's' : ''} ${names.join(', ')} ha${names.length > 1 ? 've' : 's'} no value in environment ${scope.environment} for target ${scope.target}; used at ${uses}`,
    { where: missing[0]?.where, variables: names, environment: scope.environment, target: scope.target },
  );
}
