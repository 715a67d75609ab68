// deep-recursion: unbounded recursion of a JavaScript function.
// Expect: resource_exhausted / stack.
function depth(n: number): number {
  return depth(n + 1) + 1;
}

export function run(): number {
  return depth(0);
}
