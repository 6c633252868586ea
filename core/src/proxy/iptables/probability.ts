/**
 * The `--probability` of each rule in a KUBE-SVC chain (proxier.go computeProbability,
 * writeServiceToEndpointRules).
 *
 * The rules are tried in order and each one only sees what the rules before it let through, so
 * for n endpoints rule i (from 0) matches with probability 1/(n−i) and the last always matches.
 * With 3 endpoints:
 *
 *   rule 0: 1/3 → 0.3333333333   (a third of all traffic)
 *   rule 1: 1/2 → 0.5000000000   (half of the remaining two thirds: another third)
 *   rule 2: no statistic match     (the rest: the last third)
 */

// #region probability
/**
 * Go's fmt.Sprintf("%0.10f", 1.0/float64(n)). JavaScript's toFixed rounds the exact value of the
 * double the same way, except at an exact tie, where Go rounds half to even and toFixed rounds
 * up. The only 1/n that is both a double and a tie at 10 places is 1/2048 = 0.00048828125:
 * Go prints 0.0004882812, toFixed 0.0004882813.
 */
export function probability(n: number): string {
  const x = 1 / n;
  // 40 places show whether the digits after the tenth are exactly 5 then zeros: a double near
  // 1e-3 sits at least ~1e-30 away from any 11-digit decimal that it does not equal.
  const exact = x.toFixed(40);
  const cut = exact.indexOf(".") + 11;
  if (!/^50*$/.test(exact.slice(cut))) return x.toFixed(10);
  const truncated = exact.slice(0, cut);
  const lastDigit = Number(truncated[truncated.length - 1]);
  return lastDigit % 2 === 0 ? truncated : x.toFixed(10);
}
// #endregion probability
