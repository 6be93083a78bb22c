/**
 * Writing your own interceptor, and running it next to the built-in ones.
 *   npx tsx examples/custom-interceptor/main.ts
 *
 * Two peer connections in one process. The sender's registry holds, nearest
 * the transport first:
 *   1. `gcc`: the Google Congestion Control estimator and pacer,
 *   2. `twcc-sender`: writes transport-wide sequence numbers (registerDefaultInterceptors),
 *   3. `packet-log`: this file's interceptor, which counts RTP and RTCP per
 *      stream and stamps nothing: it only looks.
 * The receiver sends transport-cc feedback (built in), so the sender's
 * bandwidth estimate moves; it is printed as it changes.
 */
import {
  GccInterceptorFactory,
  InterceptorRegistry,
  NoOpInterceptor,
  RTCPeerConnection,
  SettingEngine,
  TrackLocalStaticSample,
  registerDefaultInterceptors,
  type Interceptor,
  type InterceptorContext,
  type InterceptorFactory,
  type RTCPReader,
  type RTPWriter,
  type StreamInfo,
} from '../../src/index.js';

/** Counts outgoing RTP per stream and incoming RTCP packets by kind. */
class PacketLog extends NoOpInterceptor {
  readonly rtp = new Map<number, number>();
  readonly rtcp = new Map<string, number>();

  constructor(private readonly context: InterceptorContext) {
    super();
  }

  override bindLocalStream(info: StreamInfo, writer: RTPWriter): RTPWriter {
    console.log(`[${this.context.id}] local stream ${info.ssrc} ${info.mimeType} mid ${info.mid}`);
    return {
      write: (packet, attributes) => {
        this.rtp.set(info.ssrc, (this.rtp.get(info.ssrc) ?? 0) + 1);
        return writer.write(packet, attributes);
      },
    };
  }

  override bindRTCPReader(reader: RTCPReader): RTCPReader {
    return {
      read: (packet, attributes) => {
        try {
          // Parsed once per packet: a later interceptor asking again gets the same objects.
          for (const p of attributes.rtcpPackets(packet)) this.rtcp.set(p.kind, (this.rtcp.get(p.kind) ?? 0) + 1);
        } catch {
          // malformed RTCP: the router counts the drop
        }
        reader.read(packet, attributes);
      },
    };
  }

  override close(): void {
    console.log(`[${this.context.id}] RTP sent per SSRC:`, Object.fromEntries(this.rtp), 'RTCP received:', Object.fromEntries(this.rtcp));
  }
}

const packetLog: InterceptorFactory = { name: 'packet-log', newInterceptor: (context): Interceptor => new PacketLog(context) };

const gcc = new GccInterceptorFactory({ initialBitrate: 500_000 });
gcc.onNewPeerConnection((id, estimator) => {
  estimator.onBandwidthEstimate((e) => console.log(`[${id}] target ${(e.targetBitrate / 1000).toFixed(0)} kbit/s (${e.usage}, rtt ${e.rttMs?.toFixed(1)} ms)`));
});
const registry = registerDefaultInterceptors(new InterceptorRegistry().add(gcc)).add(packetLog);
console.log('sender interceptors:', registry.names.join(' -> '));

const senderSettings = new SettingEngine();
senderSettings.setIncludeLoopbackCandidate(true);
senderSettings.setInterfaceFilter((name) => name === 'lo');
senderSettings.setInterceptorRegistry(registry);
const receiverSettings = new SettingEngine();
receiverSettings.setIncludeLoopbackCandidate(true);
receiverSettings.setInterfaceFilter((name) => name === 'lo');

const sender = new RTCPeerConnection({}, { settingEngine: senderSettings });
const receiver = new RTCPeerConnection({}, { settingEngine: receiverSettings });
sender.onicecandidate = ({ candidate }) => void receiver.addIceCandidate(candidate).catch(() => undefined);
receiver.onicecandidate = ({ candidate }) => void sender.addIceCandidate(candidate).catch(() => undefined);

const video = new TrackLocalStaticSample({ mimeType: 'video/VP8', clockRate: 90000 }, 'camera', 'stream');
sender.addTrack(video);
let received = 0;
receiver.ontrack = ({ track }) => track.onRtp(() => received++);

await sender.setLocalDescription(await sender.createOffer());
await receiver.setRemoteDescription(sender.localDescription!);
await receiver.setLocalDescription(await receiver.createAnswer());
await sender.setRemoteDescription(receiver.localDescription!);

// A made-up VP8 "frame" every 33 ms (a real application writes encoder output here).
const frame = Buffer.alloc(3000, 0x42);
frame[0] = 0x10;
const timer = setInterval(() => video.writeSample({ data: frame, durationMs: 33 }), 33);
setTimeout(() => {
  clearInterval(timer);
  console.log(`receiver got ${received} RTP packets`);
  sender.close();
  receiver.close();
}, 3000);
