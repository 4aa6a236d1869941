// Preload (node --import) that makes this process's clock run TEST_CLOCK_SKEW_MS ahead (or
// behind) the real one: a runner whose clock drifted. Date.now() and `new Date()` both move;
// timers and performance.now() do not, as on a machine whose wall clock is wrong.
const skew = Number(process.env.TEST_CLOCK_SKEW_MS ?? '0');
const RealDate = Date;

class SkewedDate extends RealDate {
  constructor(...args: ConstructorParameters<typeof Date> | []) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...(args));
  }

  static override now(): number {
    return RealDate.now() + skew;
  }
}

globalThis.Date = SkewedDate as DateConstructor;
