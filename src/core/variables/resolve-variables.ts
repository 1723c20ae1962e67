import type { VariableDefinition } from '../manifest/schema.js';

export type VariableValues = Readonly<Record<string, string>>;

/**
 * Resolves the manifest's variables for one target in one environment, most specific value
 * first: the target's own value, then the environment's, then the default. A variable with no
 * value in that scope is left out, so using it is reported as missing.
 */
export function resolveVariables(
  definitions: Readonly<Record<string, VariableDefinition>>,
  scope: { readonly environment: string; readonly target: string },
): VariableValues {
  const values: Record<string, string> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const value =
      typeof definition === 'string'
        ? definition
        : (definition.targets?.[scope.target] ?? definition.environments?.[scope.environment] ?? definition.default);
    if (value !== undefined) values[name] = value;
  }
  return values;
}
