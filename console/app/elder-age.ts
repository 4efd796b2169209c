/** An elder's age in whole years on `today` (local calendar), from a YYYY-MM-DD birth date. */
export function ageOn(birthDate: string, today: Date = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  const month = today.getMonth() + 1;
  const before = month < m || (month === m && today.getDate() < d);
  return today.getFullYear() - y - (before ? 1 : 0);
}
