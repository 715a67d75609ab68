// unbounded-array: an array that grows without bound, until QuickJS's heap
// cannot grow the linear memory past its cap.
// Expect: resource_exhausted / memory.
export function run(): number {
  const items: number[] = [];
  while (true) items.push(items.length);
}
