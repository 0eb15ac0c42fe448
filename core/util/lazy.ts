// Lazy properties: a property computed on its first read and kept (assigning one replaces it,
// read or not). Used for what most readers never need: a file's full token list, an analysis's
// indexes, a model's gathered symbols. No IO, no state of its own.

/** Makes `obj[key]` the result of `make()`, computed on the first read; it keeps its key order. */
export function lazyProperty<T extends object, K extends keyof T>(obj: T, key: K, make: () => T[K]): void {
  const settle = (value: T[K]): void => {
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  };
  Object.defineProperty(obj, key, {
    enumerable: true,
    configurable: true,
    get(): T[K] {
      const v = make();
      settle(v);
      return v;
    },
    set(v: T[K]): void {
      settle(v);
    },
  });
}
