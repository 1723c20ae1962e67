/**
 * Who is acting: the person (or service) an API token speaks for and their groups. Approval
 * policies count groups; separation of duties compares users exactly.
 */
export interface Actor {
  readonly user: string;
  readonly groups: readonly string[];
}

/** Gantry itself, when it acts on its own (a scheduled change starting at its window). */
export const GANTRY_ACTOR: Actor = { user: 'gantry', groups: [] };

/** The group whose members may mint tokens for others, until users and roles exist. */
export const ADMIN_GROUP = 'admins';
