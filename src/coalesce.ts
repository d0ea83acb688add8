/**
 * One run of a background job at a time: a request during a run folds, with any others, into one
 * more run after it. `settled` is told when a run ends with nothing asked meanwhile (where a job
 * sets its next wake-up). After `stop()` nothing new starts.
 */
export class Coalesced {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly settled: () => void = () => undefined,
  ) {}

  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.request();
      } else if (!this.stopped) this.settled();
    });
  }

  /** Resolves once no run is on and none is asked for. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The run in progress, if any. */
  get current(): Promise<void> | undefined {
    return this.running;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  stop(): void {
    this.stopped = true;
  }
}
