const HIDDEN = "[secret]";

/**
 * An opened credential. It prints as "[secret]" everywhere (string templates, JSON,
 * console.log, util.inspect), so a stray log line cannot leak it; `reveal()` is the
 * one deliberate way out, used where the value is injected.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  get length(): number {
    return this.#value.length;
  }
  toString(): string {
    return HIDDEN;
  }
  toJSON(): string {
    return HIDDEN;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return HIDDEN;
  }
}
