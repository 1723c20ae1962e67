/**
 * What the database underneath can do. Code branches on these, never on driver names.
 */
export interface StoreCapabilities {
  /** Column type for an auto-numbered primary key. */
  readonly serialColumnType: 'integer' | 'bigserial';
  /** Whether that column also needs AUTOINCREMENT (so numbers are never reused). */
  readonly serialNeedsAutoIncrement: boolean;
  /** `SELECT … FOR UPDATE SKIP LOCKED` is available. */
  readonly skipLocked: boolean;
  /** Several processes may share the database (so leases can be held by other nodes). */
  readonly sharedByNodes: boolean;
  /** Column type for raw bytes. */
  readonly binaryColumnType: 'blob' | 'bytea';
}

export const SQLITE_CAPABILITIES: StoreCapabilities = {
  serialColumnType: 'integer',
  serialNeedsAutoIncrement: true,
  skipLocked: false,
  sharedByNodes: false,
  binaryColumnType: 'blob',
};

export const POSTGRES_CAPABILITIES: StoreCapabilities = {
  serialColumnType: 'bigserial',
  serialNeedsAutoIncrement: false,
  skipLocked: true,
  sharedByNodes: true,
  binaryColumnType: 'bytea',
};
