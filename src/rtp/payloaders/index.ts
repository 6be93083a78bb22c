export type { Payloader, Depacketizer, DepacketizedChunk } from './payloader.js';
export { PayloadDecodeError } from './errors.js';
export { Vp8Payloader, Vp8Depacketizer } from './vp8.js';
export { H264Payloader, H264Depacketizer, splitAnnexB } from './h264.js';
export { OpusPayloader, OpusDepacketizer } from './opus.js';
