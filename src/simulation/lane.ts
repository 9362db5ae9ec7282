/** Runs steps one after another in the order they were queued, whatever each one's outcome. */
export class Lane {
  #last: Promise<unknown> = Promise.resolve();

  run<T>(step: () => Promise<T>): Promise<T> {
    const result = this.#last.catch(() => undefined).then(step);
    this.#last = result;
    return result;
  }
}
