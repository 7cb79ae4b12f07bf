import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Name of the environment variable Codex reads the (dummy) key of the scripted provider from. */
export const SCRIPTED_MODEL_KEY_ENV = 'MCP_SCRIPTED_MODEL_KEY';

/**
 * A model name Codex's built-in catalog knows (codex 0.169.0): with it Codex offers the
 * `apply_patch` tool, which it leaves out for an unknown model such as "scripted-model".
 */
export const SCRIPTED_PATCHING_MODEL = 'gpt-5.5';

/**
 * Writes a CODEX_HOME whose config points Codex at the scripted model server.
 * Retries are off so a scripted 500 ends the Codex run at once instead of backing off.
 * `model` is only the name Codex puts in its requests; the scripted server answers any name.
 */
export function writeScriptedCodexHome(codexHome: string, baseUrl: string, options: { model?: string } = {}): void {
  mkdirSync(codexHome, { recursive: true });
  const config = [
    `model = ${JSON.stringify(options.model ?? 'scripted-model')}`,
    'model_provider = "scripted"',
    'approval_policy = "never"',
    '',
    '[model_providers.scripted]',
    'name = "scripted"',
    `base_url = ${JSON.stringify(baseUrl)}`,
    'wire_api = "responses"',
    `env_key = "${SCRIPTED_MODEL_KEY_ENV}"`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[tui]',
    'screen_reader_detection_done = true',
    '',
  ].join('\n');
  writeFileSync(path.join(codexHome, 'config.toml'), config);
}
