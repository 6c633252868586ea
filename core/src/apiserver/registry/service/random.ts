/**
 * Where allocators get their randomness: a random start spreads allocations over a range so
 * two API servers rarely race for the same address, and tests pass a fixed sequence instead.
 */

/** A random integer in [0, n). */
export type RandomInt = (n: number) => number;

export const mathRandomInt: RandomInt = (n) => Math.floor(Math.random() * n);
