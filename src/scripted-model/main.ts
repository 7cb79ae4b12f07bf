#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { startScriptedModel } from './server.js';

/** `node dist/scripted-model/main.js [script.json] [--port N]`: serves until killed. */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const portAt = args.indexOf('--port');
  const port = portAt >= 0 ? Number(args[portAt + 1]) : 0;
  const file = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--port');
  const script: unknown = file ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const model = await startScriptedModel(script, port);
  process.stdout.write(`${model.url}\n`);
  const stop = (): void => void model.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`scripted-model: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
