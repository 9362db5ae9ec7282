/**
 * Shares `total` out between groups of the given sizes as evenly as it goes: a group smaller
 * than its share takes all it has and leaves the rest to the others. So a few hundred places
 * shared between a code with 100,000 failures and one with 3 give the 3 all they need.
 */
export function fairShares(sizes: readonly number[], total: number): number[] {
  const shares = sizes.map(() => 0);
  let left = Math.max(0, Math.floor(total));
  const order = sizes.map((size, i) => [size, i] as const).sort((a, b) => a[0] - b[0]);
  order.forEach(([size, i], n) => {
    const take = Math.min(size, Math.floor(left / (order.length - n)));
    shares[i] = take;
    left -= take;
  });
  return shares;
}
