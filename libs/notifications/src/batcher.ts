/**
 * Gathers the calls made in one turn of the event loop into one call of
 * `run` (a statement for many deliveries instead of one each): every
 * delivery job running at once costs the database one statement per step,
 * not one per job. Each caller gets its own result, or the batch's error.
 */
export class Batcher<I, O> {
  private pending: Array<{ input: I; resolve: (o: O) => void; reject: (e: unknown) => void }> = [];
  private scheduled = false;

  constructor(
    private readonly run: (inputs: I[]) => Promise<O[]>,
    /** At most this many inputs per call of `run`. */
    private readonly maxBatch = 100,
  ) {}

  call(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.maxBatch);
      this.run(batch.map((b) => b.input)).then(
        (outputs) => batch.forEach((b, i) => b.resolve(outputs[i]!)),
        (error: unknown) => batch.forEach((b) => b.reject(error)),
      );
    }
  }
}
