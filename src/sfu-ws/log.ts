import { getLogger } from '../index.js';

/** The one logger of sfu-ws (scope `sfu`, switched by `TERN_LOG=sfu=debug`). */
export const sfuLog = getLogger('sfu');
