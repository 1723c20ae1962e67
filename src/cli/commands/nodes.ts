/** `gantry node list`. */
import { connect } from '../connect.js';
import type { CommandContext } from '../context.js';
import { EXIT_CODES } from '../exit-codes.js';
import { formatAge, NONE } from '../format.js';

export async function listNodes(ctx: CommandContext, options: { json?: boolean }): Promise<number> {
  const nodes = await connect(ctx).listNodes();
  if (options.json) {
    ctx.output.json({ nodes });
    return EXIT_CODES.ok;
  }
  const now = new Date();
  ctx.output.table(
    ['NODE', 'STATE', 'URL', 'VERSION', 'STARTED', 'LAST HEARTBEAT', 'DEPLOYMENTS'],
    nodes.map((node) => [node.id, node.state, node.url ?? NONE, node.version, node.startedAt, `${formatAge(node.heartbeatAt, now)} ago`, node.deployments.join(',') || NONE]),
  );
  return EXIT_CODES.ok;
}
