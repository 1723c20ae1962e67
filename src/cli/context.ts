/** What every CLI verb receives. Types only: importing this module loads nothing. */
import type { Output } from './output.js';

export interface Writer {
  write(chunk: string): unknown;
}

/** Where the server is and how to authenticate, from --url/--token or GANTRY_URL/GANTRY_TOKEN. */
export interface ServerSettings {
  readonly url: string;
  readonly token: string | undefined;
}

export interface CommandContext {
  readonly output: Output;
  /** The directory relative paths on the command line are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Present for the verbs that talk to a server. */
  readonly server: ServerSettings;
  readonly now: () => Date;
}
