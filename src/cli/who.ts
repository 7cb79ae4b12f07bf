import os from 'node:os';

/** Who runs this command, as recorded with the decisions a person makes (approve, send, done). */
export function whoAmI(): { user: string; uid: number | null; pid: number } {
  return { user: os.userInfo().username, uid: process.getuid?.() ?? null, pid: process.pid };
}
