import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** The last `bytes` of a file (all of it when smaller); empty when it cannot be read. Logs can be huge. */
export function readFileTail(file: string, bytes: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, bytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    return buffer;
  } finally {
    closeSync(fd);
  }
}
