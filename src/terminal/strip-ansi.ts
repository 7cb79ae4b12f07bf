/**
 * Terminal control sequences: CSI (`ESC [ … final`), OSC (`ESC ] … BEL|ST`), character
 * set designations (`ESC ( B`, which `tput sgr0` prints), other two-byte escapes
 * (`ESC 7`, `ESC =`, …), and C0 controls other than tab and newline.
 */
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|\u001b[()*+\-./][ -~]|\u001b[ -#%&]?[0-~]|[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '').replace(/\r\n/g, '\n').replace(/\r/g, '');
}
