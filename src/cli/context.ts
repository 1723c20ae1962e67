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

/** Standard input, for verbs that read a value from it (`gantry secret set`): a stream of chunks, maybe a terminal. */
export interface Stdin extends AsyncIterable<string | Uint8Array> {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

export interface CommandContext {
  readonly output: Output;
  /** The directory relative paths on the command line are resolved against. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Present for the verbs that talk to a server. */
  readonly server: ServerSettings;
  readonly now: () => Date;
  /** Standard input (process.stdin unless a test gives another). */
  readonly stdin?: Stdin;
}
