import { resolveContext, type ContextOptions } from '../context.js';
import { openInBrowser, parsePort, startDashboard } from '../dashboard.js';
import { AwaitedStore } from '../open-store.js';

export interface UiOptions extends ContextOptions {
  port?: string;
  open?: boolean;
}

/**
 * `mcp ui`: the web dashboard of this state root until Ctrl-C. Works with or without a
 * supervisor: a live run is followed as it goes, a finished one is shown from the store.
 */
export async function uiCommand(options: UiOptions): Promise<number> {
  const port = parsePort(options.port);
  const ctx = resolveContext(options);
  // Nothing ran here yet: the page shows no run until one creates the state root (`mcp run
  // --detach` in another terminal); a look creates nothing.
  const store = new AwaitedStore(ctx.root);
  try {
    const server = await startDashboard(ctx, () => store.current(), port);
    process.stdout.write(`mcp ui: ${server.url}\n  dashboard of ${ctx.root.dir} (127.0.0.1 only; the token in the URL is the key); Ctrl-C stops it\n`);
    if (store.waiting) process.stdout.write('  nothing has run here yet: runs show up on the page as they start\n');
    if (options.open && !(await openInBrowser(server.url))) process.stderr.write('mcp ui: no browser could be opened here; open the URL above\n');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } finally {
    store.close();
  }
}
