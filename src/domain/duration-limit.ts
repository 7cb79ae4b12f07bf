/**
 * The longest duration a person may give anything mcp waits on: a task's timeout (plan,
 * config, flag), an idle timeout, a retry backoff, a watch interval. Node's timers hold at
 * most 2^31-1 ms (24.8 days) and fire at once, with a warning, above it; a week is well
 * below that and longer than anyone waits for one task or one redraw.
 */
export const MAX_DURATION_SECONDS = 7 * 24 * 3600;
