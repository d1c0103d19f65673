/**
 * How long a wait for an event may take before the test gives up. Only a safety net for a broken
 * run: every wait ends as soon as its condition holds, so a busy machine (a second copy of the
 * suite beside this one, a shared CI box) makes a test slower, never red.
 */
export const SAFETY_NET_MS = 3 * 60_000;

/**
 * Polls `probe` until it returns something other than undefined, null or false, and returns that.
 * `what` names the awaited event in the error a hung wait ends with.
 */
export async function waitFor<T>(
  what: string,
  probe: () => T | Promise<T>,
  opts: { timeoutMs?: number; everyMs?: number } = {},
): Promise<Exclude<T, undefined | null | false>> {
  const timeoutMs = opts.timeoutMs ?? SAFETY_NET_MS;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value as Exclude<T, undefined | null | false>;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 100));
  }
}
