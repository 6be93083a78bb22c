export { IvfWriter } from './ivf-writer.js';
export type { IvfWriterOptions } from './ivf-writer.js';
