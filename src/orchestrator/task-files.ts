import { readFileSync, statSync } from 'node:fs';
import type { StateRoot } from '../store/state-root.js';
import { readFileTail } from '../terminal/file-tail.js';
import { stripAnsi } from '../terminal/strip-ansi.js';

/** A file's text, or null when it is not there. */
export function readIfExists(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A task's final message, or null when it left none. */
export function readLastMessage(root: StateRoot, taskId: string): string | null {
  return readIfExists(root.taskFiles(taskId).lastMessage);
}

/**
 * The plain-text end of a log (none of it before offset `from`), read from its end: logs can
 * be hundreds of megabytes.
 */
export function tailOf(file: string, chars: number, from = 0): string {
  // Escape sequences are stripped after reading, so read well beyond `chars` bytes.
  return stripAnsi(readFileTail(file, chars * 8, from).toString('utf8')).trim().slice(-chars);
}

/** How many bytes a file holds now (0 when it is not there): where what comes next begins. */
export function sizeOf(file: string): number {
  return statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}
