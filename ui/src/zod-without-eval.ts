/**
 * Imported first by main.tsx, before any schema is built: zod compiles fast parsers with
 * `new Function` unless told not to, and the page's Content-Security-Policy forbids that (the
 * probe alone is reported as a violation). Schemas read this setting when they are created.
 */
import { config } from 'zod';

config({ jitless: true });
