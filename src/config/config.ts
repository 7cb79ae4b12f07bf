import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { MAX_DURATION_SECONDS } from '../domain/duration-limit.js';
import { ConfigError } from '../domain/errors.js';
import { formatZodIssue, oneLineMessage } from './zod-issue.js';

/** Commands a `command` task may run without a human. */
export const DEFAULT_ALLOW_LIST = ['git', 'npm', 'pnpm', 'yarn', 'npx', 'node', 'pytest', 'python', 'python3', 'cargo', 'go', 'make'];

export const CONFIG_FILE_NAME = 'mcp.config.json';

/**
 * Built when a config file is read: most projects have none, and building these schemas at
 * import took about 6 ms of every `mcp run`'s start.
 */
function buildConfigSchema() {
  const commandName = z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9._+-]+$/, 'a bare command name (no path, no spaces)');

  return z
    .object({
      /** Extra argv[0] names allowed for `command` tasks, on top of the defaults. */
      allow: z.array(commandName).default([]),
      /** Command patterns that need a human before they run, on top of the defaults. */
      sensitive: z.array(z.string().min(1)).default([]),
      /** Tasks at once when `--parallel` is not given. */
      parallel: z.number().int().min(1).max(64).optional(),
      /** Wall-clock limit of one task attempt, in seconds. */
      taskTimeoutSeconds: z.number().positive().max(MAX_DURATION_SECONDS).optional(),
      /** Seconds between SIGTERM and SIGKILL when a task is stopped. */
      killGraceSeconds: z.number().min(0).max(600).default(5),
      /**
       * Rules that answer some approval requests without a person, matched against the
       * command: `deny` first (anywhere in the command), then `allow` (the whole command).
       * Without rules, everything sensitive waits for a person.
       */
      approvals: z
        .object({ allow: z.array(z.string().trim().min(1)).default([]), deny: z.array(z.string().trim().min(1)).default([]) })
        .strict()
        .default({ allow: [], deny: [] }),
      /** An argv run, with one JSON document on stdin, when a task starts waiting for a person. */
      notify: z.array(z.string().min(1)).min(1).optional(),
    })
    .strict();
}
let schema: ReturnType<typeof buildConfigSchema> | undefined;
function configSchema(): ReturnType<typeof buildConfigSchema> {
  schema ??= buildConfigSchema();
  return schema;
}
export type McpConfig = z.infer<ReturnType<typeof buildConfigSchema>>;

/** The schema's defaults, written out so that no config file builds no schema (a test holds them equal). */
export function defaultConfig(): McpConfig {
  return { allow: [], sensitive: [], killGraceSeconds: 5, approvals: { allow: [], deny: [] } };
}

/** Reads `<project>/mcp.config.json` when it exists; unknown keys and wrong types are refused. */
export function loadConfig(projectDir: string, explicitFile?: string): McpConfig {
  const file = explicitFile ?? path.join(projectDir, CONFIG_FILE_NAME);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicitFile === undefined) return defaultConfig();
    throw new ConfigError(`${file}: cannot read the config (${code ?? 'error'})`, 'check the path and its permissions');
  }
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON (${oneLineMessage(error)})`, 'fix the JSON syntax');
  }
  const parsed = configSchema().safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(`${file}: ${first ? formatZodIssue(first) : 'invalid config'}`, 'see README "Configuration" for the accepted keys');
  }
  return parsed.data;
}

export function allowListOf(config: McpConfig): string[] {
  return [...new Set([...DEFAULT_ALLOW_LIST, ...config.allow])];
}
