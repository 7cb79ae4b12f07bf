// Where the bench finds what it measures: the built CLI and the pinned codex of this checkout.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MCP = path.join(REPO, 'dist/bin/mcp.js');
export const CODEX = path.join(REPO, 'node_modules/.bin/codex');
export const NODE = process.execPath;

/** The URL of a built module, for `await import(dist('scripted-model/server.js'))`. */
export const dist = (p) => pathToFileURL(path.join(REPO, 'dist/src', p)).href;
