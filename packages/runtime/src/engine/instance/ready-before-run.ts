import type { GuestInstance } from "./instance-lifecycle.js";

/**
 * Table entries a new instance may make on the caller's thread (tryInline):
 * V8 makes each instance's tables anew, 15-50 ns an entry (a 500,000-entry
 * table took 8-26 ms), work no fuel counts. An instance with more, after a
 * trap or memory growth, is made in the pool.
 */
export const INLINE_NEW_INSTANCE_TABLE_ENTRIES = 16_384;

/**
 * The rule "make the instance before the run, outside its deadline", in one
 * place. Making an instance (the first run, or the one after a trap or a
 * memory growth) is the engine's work, not the guest's: microseconds for a
 * one-module guest, milliseconds for a linked component, as a worker's boot
 * is. So it happens here, before the run's clock starts, and no time limit of
 * the guest counts it:
 * - runPrepared calls this before it starts the clock it checks the time limit with;
 * - a pool worker calls it before the pool's run clock starts, with `onMake`
 *   announcing the making, which the pool bounds on its own
 *   (INSTANTIATION_LIMIT_MS) and then gives the run its whole limit;
 * - on the caller's thread (tryInline), {@link makesOnCallerThread} first says
 *   whether that work may happen there at all.
 *
 * Returns true when the instance had to be made (whether or not making it
 * succeeded: when it failed, the run makes it again and reports the failure
 * as its result).
 */
export function readyBeforeRun(instance: GuestInstance, onMake?: () => void): boolean {
  if (instance.ready) return false;
  onMake?.();
  try {
    instance.warm();
  } catch {
    // run() instantiates again and reports the failure as its result.
  }
  return true;
}

/**
 * Whether the caller's thread may make what the next run of `instance` needs
 * (tryInline). It may not run guest code outside a fuel slice: an instance
 * whose making runs start or initialize functions (a composed guest's after a
 * trap; any first instance, e.g. after the cache evicted it; one whose start
 * may write its tables) is the pool's. Nor make a new instance with more table
 * entries than {@link INLINE_NEW_INSTANCE_TABLE_ENTRIES}, which V8 makes anew,
 * unmetered. `tableEntries`: those of a one-module guest's new instance (0 for
 * a linked one, whose new instance runs guest code anyway).
 */
export function makesOnCallerThread(instance: GuestInstance, tableEntries: number): boolean {
  if (instance.ready) return true;
  return instance.startsWithoutGuestCode && tableEntries <= INLINE_NEW_INSTANCE_TABLE_ENTRIES;
}
