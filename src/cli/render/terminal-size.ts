/** What a terminal that reports no size is drawn for, as less, top and vim assume. */
const FALLBACK_SIZE = { columns: 80, rows: 24 } as const;

/**
 * The size to draw for. Some terminals report 0×0 (`script` without a size, some CI ptys):
 * drawn for 0 columns, every line would be cut to nothing, a screen of blanks.
 */
export function terminalSize(out: { columns?: number; rows?: number }): { columns: number; rows: number } {
  return {
    columns: out.columns !== undefined && out.columns > 0 ? out.columns : FALLBACK_SIZE.columns,
    rows: out.rows !== undefined && out.rows > 0 ? out.rows : FALLBACK_SIZE.rows,
  };
}
