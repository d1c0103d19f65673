import { config } from 'zod/v4/core';

/*
 * The server's Content-Security-Policy allows no eval. zod's fast path probes for eval with
 * `new Function`, which a strict CSP reports as a violation even though zod catches the error;
 * jitless skips the probe (and the fast path), so validation runs the same without it.
 * Imported first by main.tsx, before any schema parses; from zod's core only, so the sign-in page loads no schemas.
 */
config({ jitless: true });
