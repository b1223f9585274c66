/**
 * One monotonic clock for every thread of a run: nanoseconds since an epoch the
 * coordinator picks, as a double (exact for 104 days), so payload timestamps
 * written in one worker compare with receive times taken in another.
 */
let epoch = process.hrtime.bigint();

export function setEpoch(value: bigint): void {
  epoch = value;
}

export function nowNs(): number {
  return Number(process.hrtime.bigint() - epoch);
}
