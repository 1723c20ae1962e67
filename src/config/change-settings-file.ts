import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { changeSettingsSchema, DEFAULT_CHANGE_SETTINGS, type ChangeSettings } from '../core/change/change-settings.js';
import { GantryError } from '../core/errors.js';

/**
 * Reads the change settings file (`GANTRY_CHANGE_SETTINGS`, YAML or JSON): risk scoring,
 * approval policies, the standard-change streak and what a closed window does. Without a file,
 * the documented defaults. Any problem stops the server with the file and field named.
 */
export async function loadChangeSettings(path: string | undefined): Promise<ChangeSettings> {
  if (path === undefined) return DEFAULT_CHANGE_SETTINGS;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new GantryError('REQUEST_INVALID', `cannot read GANTRY_CHANGE_SETTINGS ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: 'GANTRY_CHANGE_SETTINGS' });
  }
  let document: unknown;
  try {
    document = parse(text, { schema: 'core' }) ?? {};
  } catch (error) {
    throw new GantryError('REQUEST_INVALID', `${path} is not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : 'unreadable'}`, { where: path });
  }
  const result = changeSettingsSchema.safeParse(document);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = issue.path.join('.') || '(top level)';
    throw new GantryError('REQUEST_INVALID', `${path}: ${field}: ${issue.message}`, { where: `${path}:${field}` });
  }
  return result.data;
}
