// SPDX-License-Identifier: GPL-3.0-or-later
'use strict';

// ClusterLab's Node.js engine (docs/NODE-ENGINE.md): the clusterlab primary
// runs `node clusterlab-node.js [options]`; this file is also what Node's
// cluster module forks for each worker. Plain JavaScript, no npm
// dependencies, Node.js 18 or newer.
if (process.env.CLUSTERLAB_NODE_ROLE === 'worker') require('./lib/server').runWorker();
else require('./lib/primary').runPrimary(process.argv.slice(2));
