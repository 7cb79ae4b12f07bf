import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `bytes` of a file (all of it when smaller), none of it before offset `from`; empty
 * when it cannot be read. Logs can be huge.
 */
export function readFileTail(file: string, bytes: number, from = 0): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.max(0, Math.min(size - from, bytes));
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer;
  } finally {
    closeSync(fd);
  }
}
