// Preloaded into the `mcp` process only (`node --import <this file> dist/bin/mcp.js …`),
// never through NODE_OPTIONS, so no child inherits it. On exit it writes the process's own
// getrusage(RUSAGE_SELF): CPU of every thread of mcp (main loop, libuv pool, V8), excluding
// the children it spawned (codex, git, node tasks), plus its exact peak RSS (ru_maxrss).
import { writeFileSync } from 'node:fs';

const out = process.env.MCP_BENCH_RUSAGE_OUT;
if (out) {
  process.on('exit', (code) => {
    try {
      writeFileSync(out, JSON.stringify({ pid: process.pid, code, resourceUsage: process.resourceUsage() }));
    } catch {
      /* the bench reports a missing file as "not measured" */
    }
  });
}
