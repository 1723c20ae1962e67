/** How the layers above tell a database that could not be reached from a failed query (they may not import the store). */
export { isStoreUnreachable } from '../store/constraint-errors.js';
