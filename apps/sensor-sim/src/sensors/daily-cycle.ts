/** Curves over the local hour of day (0 to 24, fractional), shared by the sensor models. */

export function hourOfDay(date: Date): number {
  return date.getHours() + date.getMinutes() / 60 + date.getSeconds() / 3600;
}

/** A sine with its peak at `peakHour` and values in [-1, 1]. */
export function dailyWave(hour: number, peakHour: number): number {
  return Math.cos((2 * Math.PI * (hour - peakHour)) / 24);
}

/** Sun elevation as a 0..1 factor: 0 before `sunrise` and after `sunset`, 1 at solar noon. */
export function daylight(hour: number, sunrise = 7, sunset = 19): number {
  if (hour <= sunrise || hour >= sunset) return 0;
  return Math.sin((Math.PI * (hour - sunrise)) / (sunset - sunrise));
}

/** How likely a room is in use at this hour: low at night, peaks in the morning and evening. */
export function occupancy(hour: number): number {
  if (hour < 6) return 0.03;
  if (hour < 9) return 0.5;
  if (hour < 17) return 0.25;
  if (hour < 23) return 0.6;
  return 0.1;
}
