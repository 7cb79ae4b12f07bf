/** A count with its noun: `plural(1, 'branch', 'branches')` is "1 branch", with 3 "3 branches". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
