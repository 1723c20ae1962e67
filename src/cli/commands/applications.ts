/** `gantry apply` and `gantry status`. */
import { basename } from 'node:path';
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, NONE, plural } from '../format.js';
import { readManifestFile } from './validate.js';

export interface ApplyOptions {
  readonly file: string;
  readonly json?: boolean;
}

export async function applyManifest(ctx: CommandContext, options: ApplyOptions): Promise<number> {
  const manifest = await readManifestFile(ctx.cwd, options.file);
  const result = await connect(ctx).apply({ manifest, file: options.file.length <= 500 ? options.file : basename(options.file) });
  if (options.json) {
    ctx.output.json(result);
    return EXIT_CODES.ok;
  }
  const { application } = result;
  const environments = application.environments.map((environment) => environment.name);
  ctx.output.line(`${result.created ? 'created' : 'updated'} application ${application.name} (${plural(environments.length, 'environment')}: ${environments.join(', ')})`);
  return EXIT_CODES.ok;
}

export async function showStatus(ctx: CommandContext, app: string, options: { json?: boolean }): Promise<number> {
  const status = await connect(ctx).getStatus(app);
  if (options.json) {
    ctx.output.json(status);
    return EXIT_CODES.ok;
  }
  const now = ctx.now();
  ctx.output.table(
    ['ENVIRONMENT', 'LIVE', 'LATEST', 'STATE', 'VERSION', 'AGE'],
    status.environments.map((environment) => [
      environment.environment,
      environment.liveVersion ?? NONE,
      environment.latest?.id ?? NONE,
      environment.latest?.state ?? NONE,
      environment.latest?.version ?? NONE,
      formatAge(environment.latest?.createdAt, now),
    ]),
  );
  return EXIT_CODES.ok;
}
