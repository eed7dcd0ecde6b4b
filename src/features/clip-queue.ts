/**
 * A bounded queue between the decoders (producers) and the net (consumer). Producers wait when it is
 * full (backpressure: decoding never runs far ahead, so memory stays bounded); the consumer takes
 * full batches, or whatever is left once every producer has finished.
 */
export class ClipQueue<T> {
  private readonly items: T[] = [];
  private producers = 0;
  private waitingPut: (() => void)[] = [];
  private waitingTake: (() => void)[] = [];
  private closedWith: Error | undefined;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be ≥ 1, got ${capacity}`);
  }

  get length(): number {
    return this.items.length;
  }

  /** A producer starts; every `addProducer` needs one `removeProducer`. */
  addProducer(): void {
    this.producers++;
  }

  removeProducer(): void {
    this.producers--;
    this.wake(this.waitingTake);
  }

  async put(item: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closedWith) await new Promise<void>((r) => this.waitingPut.push(r));
    if (this.closedWith) throw this.closedWith;
    this.items.push(item);
    this.wake(this.waitingTake);
  }

  /**
   * Up to `n` items: waits until `n` are queued, or no producer is left (then returns the rest,
   * possibly none). `more()` tells whether new producers may still start (more videos to open).
   */
  async take(n: number, more: () => boolean = () => false): Promise<T[]> {
    while (this.items.length < n && (this.producers > 0 || more())) {
      await new Promise<void>((r) => this.waitingTake.push(r));
    }
    const out = this.items.splice(0, n);
    this.wake(this.waitingPut);
    return out;
  }

  /** Stops the queue (e.g. the net failed): blocked and later `put`s throw `error`. */
  close(error: Error): void {
    this.closedWith = error;
    this.items.length = 0;
    this.wake(this.waitingPut);
    this.wake(this.waitingTake);
  }

  /** Wakes a waiting consumer so it re-checks its conditions (e.g. when the set of videos changed). */
  poke(): void {
    this.wake(this.waitingTake);
  }

  private wake(list: (() => void)[]): void {
    const fns = list.splice(0);
    for (const f of fns) f();
  }
}
