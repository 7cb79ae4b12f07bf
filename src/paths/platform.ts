import { readFileSync } from 'node:fs';

/**
 * Everything path resolution needs to know about the machine. Injected rather than read
 * so tests can pretend to be WSL (or not) on any host.
 */
export interface PlatformEnv {
  /** Contents of /proc/version, or null when it cannot be read (macOS, sandboxes). */
  procVersion: string | null;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface PlatformInfo {
  wsl: boolean;
  /** The WSL distro we run in, when WSL says so; null when unknown or not WSL. */
  distro: string | null;
}

// Both WSL1 ("...-Microsoft") and WSL2 ("...-microsoft-standard-WSL2") kernels say so here.
const WSL_KERNEL = /microsoft|wsl/i;

export function detectPlatform(input: Partial<PlatformEnv> = {}): PlatformInfo {
  const env = input.env ?? process.env;
  const distro = env.WSL_DISTRO_NAME?.trim();
  // WSL sets this in every shell it starts; it is cheaper and names the distro too.
  if (distro) return { wsl: true, distro };
  // Only touch the filesystem when the caller did not inject a value (null counts as injected).
  const procVersion = input.procVersion === undefined ? readProcVersion() : input.procVersion;
  return { wsl: procVersion !== null && WSL_KERNEL.test(procVersion), distro: null };
}

export function currentPlatformEnv(): PlatformEnv {
  return { procVersion: readProcVersion(), env: process.env, cwd: process.cwd() };
}

function readProcVersion(): string | null {
  try {
    return readFileSync('/proc/version', 'utf8');
  } catch {
    // Not Linux, or /proc is not mounted: certainly not WSL as far as we can tell.
    return null;
  }
}
