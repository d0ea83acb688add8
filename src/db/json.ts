/** A json/jsonb value as the driver gives it: parsed already (pg), or its text (another driver). */
export function fromJson<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}
