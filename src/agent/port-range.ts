import { InvalidArgumentError } from '../common/errors.js';
import { randomInt, type Rng } from '../common/rng.js';
import { NetError, type Net, type UdpSocket } from '../transport/net.js';
import { IceError } from './errors.js';

export interface PortRange {
  readonly portMin: number;
  readonly portMax: number;
}

/** Validates `portMin`/`portMax`; undefined when no range is set (the system picks ports). */
export function resolvePortRange(portMin: number | undefined, portMax: number | undefined): PortRange | undefined {
  const min = portMin ?? 0;
  const max = portMax ?? 0;
  if (min === 0 && max === 0) return undefined;
  const lo = min === 0 ? 1024 : min;
  const hi = max === 0 ? 65535 : max;
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || lo > hi) {
    throw new InvalidArgumentError(`invalid port range ${min}-${max}`);
  }
  return { portMin: lo, portMax: hi };
}

/**
 * Binds a UDP socket on `address` inside `range`: starts at a random port
 * and walks the range (wrapping) on ERR_NET_ADDRESS_IN_USE, each port tried
 * once. The socket that binds is the one used: no probe-close-rebind race.
 * Throws IceError ERR_ICE_PORT_RANGE_EXHAUSTED when every port is taken.
 */
export async function bindUdpInRange(net: Net, address: string, range: PortRange | undefined, rng: Rng): Promise<UdpSocket> {
  if (!range) return net.bindUdp({ address, port: 0 });
  const size = range.portMax - range.portMin + 1;
  const start = randomInt(rng, 0, size - 1);
  for (let i = 0; i < size; i++) {
    const port = range.portMin + ((start + i) % size);
    try {
      return await net.bindUdp({ address, port });
    } catch (err) {
      if (err instanceof NetError && err.code === 'ERR_NET_ADDRESS_IN_USE') continue;
      throw err;
    }
  }
  throw new IceError(
    'ERR_ICE_PORT_RANGE_EXHAUSTED',
    `no free UDP port on ${address} in ${range.portMin}-${range.portMax}`,
  );
}
