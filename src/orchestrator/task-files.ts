import { readFileSync } from 'node:fs';
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

/** The plain-text end of a log, read from its end: logs can be hundreds of megabytes. */
export function tailOf(file: string, chars: number): string {
  // Escape sequences are stripped after reading, so read well beyond `chars` bytes.
  return stripAnsi(readFileTail(file, chars * 8).toString('utf8')).trim().slice(-chars);
}
