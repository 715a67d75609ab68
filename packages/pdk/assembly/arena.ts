// A bump arena for the JSON layer's small objects (values, parsed strings,
// member slots). `__new` of the stub runtime costs three calls and a memory
// check per object; here an object is a few stores into a chunk taken from
// the heap. The objects carry the runtime's header (type id and size), so
// `instanceof` and `.length` work on them as on any object. They are never
// resized (`__renew` needs the heap's own block header): the Writer's
// growable buffer stays on `__new`. Nothing is freed, as with the stub
// runtime itself: an instance serves one invocation, then is restored.

/** Bytes taken from the heap at a time; small, so the slack left at the end of a run stays small too. */
const CHUNK: usize = 2048;
/** The runtime's object header before the payload: gcInfo, gcInfo2, rtId, rtSize (rt/common.ts). */
// @ts-ignore: decorator
@inline const HEADER: usize = 16;

let next: usize = 0;
let end: usize = 0;

function refill(total: usize): usize {
  const size = total > CHUNK ? total : CHUNK;
  const at = heap.alloc(size); // 16-byte aligned: so is every payload below
  end = at + size;
  return at;
}

/** A new object of `size` payload bytes and runtime type `id` (`idof<T>()`); its payload is not zeroed. */
// @ts-ignore: decorator
@inline
export function arenaNew(size: usize, id: u32): usize {
  const total = (size + HEADER + 15) & ~15;
  let at = next;
  if (at + total > end) at = refill(total);
  next = at + total;
  store<u64>(at, 0); // gcInfo, gcInfo2
  store<u32>(at, id, 8);
  store<u32>(at, <u32>size, 12);
  return at + HEADER;
}
