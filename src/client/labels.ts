/** Whether an environment's label selector picks a target: the server's own rule, for clients that show it. */
export { labelsMatch } from '../core/names.js';
