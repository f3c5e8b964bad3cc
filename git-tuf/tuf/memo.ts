/**
 * Facts about immutable bytes learned on earlier runs: "the file with blob id X is well-formed
 * root metadata", "signature S by key K over the file with blob id X verifies". A git blob id
 * names exact bytes, so a fact once true stays true, and checks can skip the work of proving it
 * again (canonicalizing and validating a 10 MB targets file). Only successes are facts: anything
 * that fails is checked again every time. The store (git/fact-memo.ts) keeps them across runs;
 * without one (the default, and in every pure test) everything is checked.
 */
export interface FactMemo {
  has(fact: string): boolean;
  add(fact: string): void;
}

let memo: FactMemo | null = null;

/** Lets checks use and add to `store`; null turns remembering off. */
export function useFactMemo(store: FactMemo | null): void {
  memo = store;
}

export function knownFact(fact: string): boolean {
  return memo !== null && memo.has(fact);
}

export function learnFact(fact: string): void {
  memo?.add(fact);
}
