/** RFC 5246 §7.2: struct { AlertLevel level; AlertDescription description; } */
export const ALERT_RECORD_LENGTH = 2;

export function encodeAlert(level: number, description: number): Buffer {
  return Buffer.from([level, description]);
}

export function decodeAlert(data: Buffer): { level: number; description: number } {
  return { level: data[0]!, description: data[1]! };
}
