// Ids are read from `mcp status --json`, indented or compact: `"id":"…"` cannot occur inside
// a JSON string (its quotes would be escaped), and run ids have a pattern of their own
// (RUN_ID_PATTERN) while task ids always hold a dash.
export const GREP_RUN_IDS = `grep -oE '"id": ?"r[a-z0-9]{8}"'`;
export const GREP_ALL_IDS = `grep -oE '"(id|key)": ?"[a-z0-9][a-z0-9-]*"'`;
export const SED_VALUE = `sed -E 's/.*"([^"]*)"$/\\1/'`;
