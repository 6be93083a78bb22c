import { getLogger } from '../index.js';

/** The cluster's logger: scope `sfu`, prefixed `[cluster]` (switched by `TERN_LOG=sfu=debug`). */
export const clusterLog = getLogger('sfu').child('cluster');
