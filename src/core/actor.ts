import { FULL_ACCESS, type Access } from './access/access.js';

/**
 * Who is acting: the person (or service) an API token speaks for, their groups, and what the
 * token lets them do. Approval policies count groups; separation of duties compares users
 * exactly; access decides which routes and resources they reach.
 */
export interface Actor {
  readonly user: string;
  readonly groups: readonly string[];
  readonly access: Access;
  /** The API token the request came with (absent when Gantry acts on its own): `logout` revokes it. */
  readonly tokenId?: string;
  /** A service account (a CI system): it may deploy what it is bound to, but never approves a change. */
  readonly service?: boolean;
}

/** Gantry itself, when it acts on its own (a scheduled change starting at its window). */
export const GANTRY_ACTOR: Actor = { user: 'gantry', groups: [], access: FULL_ACCESS };
