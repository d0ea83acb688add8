/**
 * Groups what waits: items submitted while `inFlight` statements are already running go together in
 * the next one, so under load one round trip carries many commands instead of each waiting for a
 * connection of its own. With nothing running an item leaves at once, alone: a quiet service adds
 * no delay.
 *
 * `run` answers one result per item, in order. When a batch of several fails as a whole and
 * `alone(err)` says the error may be one item's (a constraint, say: it fails the whole statement),
 * each item is run again alone, so an item's error is its own. Any other error (the database gone,
 * where the statement may even have committed) is every item's, to be handled as each would alone.
 */
export class Batcher<I, O> {
  private waiting: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private running = 0;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly inFlight: number,
    private readonly maxItems: number,
    private readonly alone: (err: unknown) => boolean,
    /** When given, a statement's items go in this key's order. */
    private readonly order?: (item: I) => string,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.inFlight && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxItems);
      const key = this.order;
      if (key) batch.sort((a, b) => (key(a.item) < key(b.item) ? -1 : key(a.item) > key(b.item) ? 1 : 0));
      this.running += 1;
      void this.send(batch).finally(() => {
        this.running -= 1;
        this.next();
      });
    }
  }

  private async send(batch: Array<{ item: I; resolve: (o: O) => void; reject: (e: unknown) => void }>): Promise<void> {
    try {
      const out = await this.run(batch.map((b) => b.item));
      batch.forEach((b, i) => b.resolve(out[i] as O));
    } catch (err) {
      if (batch.length === 1 || !this.alone(err)) {
        for (const b of batch) b.reject(err);
        return;
      }
      await Promise.all(
        batch.map((b) =>
          this.run([b.item]).then(
            (out) => b.resolve(out[0] as O),
            (e: unknown) => b.reject(e),
          ),
        ),
      );
    }
  }
}
