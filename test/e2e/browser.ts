import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ChildProcess } from 'node:child_process';

/** Debian's chromium (.ci/run installs it); playwright-core never downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags it makes many refused connections on this kind of machine. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Errors the page threw: a test fails on any. */
  errors: string[];
  close(): Promise<void>;
}

/** A fresh headless Chromium with its own profile directory. */
export async function openBrowser(viewport = { width: 1400, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mcp-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The dashboard URL a child mcp printed (`mcp ui: URL` or `dashboard: URL`). */
export function dashboardUrl(child: ChildProcess, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no dashboard URL printed in ${timeoutMs} ms: ${seen}`)), timeoutMs);
    child.stdout?.on('data', (data: Buffer) => {
      seen += data.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
  });
}

/** Where screenshots of the tests go: kept after the test for a person to look at. */
export function screenshotDir(): string {
  const dir = process.env.MCP_UI_SCREENSHOTS ?? path.join(os.tmpdir(), 'mcp-ui-screenshots');
  return dir;
}
