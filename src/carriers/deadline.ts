/**
 * Waiting with a deadline (STYLE.md §5: every pending thing has one). The timer is cleared
 * as soon as the promise settles, so a long deadline leaves nothing behind.
 */

/** True if `promise` settled before the epoch-ms deadline `until`, false if time ran out first. */
export function beforeDeadline(promise: Promise<unknown>, until: number): Promise<boolean> {
  const remainingMs = until - Date.now();
  if (remainingMs <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), remainingMs);
  });
  const settled = promise.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, expired]).finally(() => clearTimeout(timer));
}
