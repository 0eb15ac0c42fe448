// Keeps one object of each class whose objects all die between two runs (a command's context, a
// parser, a linter). V8 keeps an object layout (a hidden class) only while some object has it;
// when a full garbage collection finds none, it drops the layout and throws away every optimized
// function that was built on it, so the next run starts cold again. Measured on the bench file:
// 27 to 43 functions deoptimized at the start of every build that followed a full collection
// (`node --trace-deopt`, reason "weak objects"), none with one object kept. The language server
// meets the same case whenever a full collection falls between two edits. No IO, no state but the list.

const KEPT: object[] = [];

/**
 * Keeps `exemplar` for the life of the process, and with it its class's layout. The exemplar must
 * be made by the class's own constructor, so that it gets the same layout as the real objects.
 */
export function keepLayout<T extends object>(exemplar: T): T {
  KEPT.push(exemplar);
  return exemplar;
}
