import { releaseDirOf } from '../core/release-layout.js';
import { rootOf, type Target } from '../core/model.js';
import type { VariableValues } from '../core/variables/resolve-variables.js';

/** The environment every hook and command check sees: the variables, then Gantry's own. */
export function hookEnvironment(input: {
  readonly app: string;
  readonly environment: string;
  readonly version: string;
  readonly target: Target;
  readonly previousVersion: string | null;
  readonly attempt: number;
  readonly variables: VariableValues;
  /** Blue-green: the slot the hook works on. */
  readonly slot?: string | null;
}): Record<string, string> {
  return {
    ...input.variables,
    GANTRY_APP: input.app,
    GANTRY_ENV: input.environment,
    GANTRY_RELEASE: input.version,
    GANTRY_TARGET: input.target.name,
    GANTRY_RELEASE_DIR: releaseDirOf(rootOf(input.target.transport), input.app, input.version),
    GANTRY_PREVIOUS_RELEASE: input.previousVersion ?? '',
    GANTRY_ATTEMPT: String(input.attempt),
    ...(input.slot ? { GANTRY_SLOT: input.slot } : {}),
  };
}
