// Key strings made from up to three names, kept so the same names give the same string object: a
// model makes the same keys (`NS/TABLE`, `chain:NS/TABLE/NAME`, `net.ipv4.conf.DEV.forwarding`)
// again and again, and one string each is cheaper than one per use. Bounded: emptied when full.
// It caches a pure function only, so nothing carries over between runs that could change a result.

export class KeyCache {
  private readonly root = new Map<string, Map<string, Map<string, string>>>();
  private count = 0;

  constructor(private readonly make: (a: string, b: string, c: string) => string, private readonly limit = 16384) {}

  get(a: string, b = '', c = ''): string {
    let byB = this.root.get(a);
    if (!byB) this.root.set(a, (byB = new Map()));
    let byC = byB.get(b);
    if (!byC) byB.set(b, (byC = new Map()));
    let key = byC.get(c);
    if (key === undefined) {
      key = this.make(a, b, c);
      if (this.count >= this.limit) {
        this.root.clear();
        this.count = 0;
      } else {
        byC.set(c, key);
        this.count++;
      }
    }
    return key;
  }
}
